//! Getting an RDB out of a server: BGSAVE and reading the dump file ([`bgsave`]), or
//! streaming it over the replication protocol ([`sync`]).

pub mod bgsave;
pub mod sync;
