//! Backup sources: how redisops obtains an RDB from a live server. [`sync`] streams it over
//! the replication protocol, so no plaintext copy ever lands on the backup host's disk.

pub mod sync;
