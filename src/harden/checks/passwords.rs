//! Offline password checks. Redis shows every ACL password as its unsalted SHA-256, so a
//! small dictionary can be compared without a single login attempt (trying logins would
//! fill ACL LOG, trip alerting and could lock out nothing but our reputation). Passwords
//! held in clear by `CONFIG GET` (`requirepass`, `masterauth`) are also checked for length.

use crate::harden::facts::gather::sha256_hex;

/// Passwords scanners try first (nuclei's `redis-default-logins`: "", root, password, admin,
/// iamadmin), the `redis.conf` example (`foobared`), and the usual suspects.
const COMMON: &[&str] = &[
    "",
    "foobared",
    "redis",
    "Redis",
    "redis123",
    "redispass",
    "password",
    "Password",
    "password1",
    "password123",
    "passw0rd",
    "P@ssw0rd",
    "admin",
    "admin123",
    "administrator",
    "root",
    "toor",
    "iamadmin",
    "123456",
    "12345678",
    "123456789",
    "1234",
    "qwerty",
    "changeme",
    "secret",
    "default",
    "test",
    "guest",
    "letmein",
    "welcome",
    "master",
    "sentinel",
    "replication",
    "abc123",
    "111111",
    "000000",
];

/// The shortest password that is not reported as short.
pub(super) const MIN_LENGTH: usize = 16;

/// Whether a hex SHA-256 is that of a common password or of the user's own name.
pub(super) fn is_common(hash: &str, user: &str) -> bool {
    COMMON
        .iter()
        .copied()
        .chain([user])
        .any(|p| sha256_hex(p) == hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_and_own_name() {
        assert!(is_common(&sha256_hex("password123"), "app"));
        assert!(is_common(&sha256_hex("redis"), "app"));
        assert!(is_common(&sha256_hex("app"), "app"));
        assert!(!is_common(&sha256_hex("k7#Vq9!mZ2@pL4$x"), "app"));
    }
}
