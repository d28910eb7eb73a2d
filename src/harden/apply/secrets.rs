//! The secrets directory (`--secrets-dir`): one file per user, `<user>.password`, holding the
//! password apply generated for it. The directory is mode 0700 and every file 0600. A
//! password that already has a file is reused, so running apply again (or against the other
//! nodes of a group) keeps the same credentials; new files are written, fsynced, before the
//! server learns the password, so a crash can never leave a password only the server knows.

use crate::fsutil::write_atomic;
use crate::harden::facts::gather::sha256_hex;
use crate::target::Secret;
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::io::Read;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

pub struct Secrets {
    pub dir: PathBuf,
    passwords: BTreeMap<String, Entry>,
    /// `--rename-commands`: command → secret new name, kept in [`RENAMES`].
    renames: BTreeMap<String, String>,
    renames_new: bool,
}

/// The file holding the new names of renamed commands, one `COMMAND NEW-NAME` per line.
pub const RENAMES: &str = "renamed-commands";

/// How nodes described each role's rules after apply set them (no secrets), as JSON.
const ACL_FORMS: &str = ".acl-forms.json";

struct Entry {
    password: Secret,
    /// Generated in this run: not on disk yet.
    new: bool,
}

impl Secrets {
    /// Reads the passwords of `users` that have a file and generates the others (in memory).
    pub fn load(dir: &Path, users: &[String]) -> Result<Self> {
        let mut passwords = BTreeMap::new();
        for user in users {
            let path = path_of(dir, user);
            let entry = match std::fs::read_to_string(&path) {
                Ok(text) => {
                    let password = text.trim_end_matches(['\n', '\r']).to_string();
                    anyhow::ensure!(
                        !password.is_empty(),
                        "{} is empty: remove it to have a new password generated",
                        path.display()
                    );
                    Entry {
                        password: Secret::new(password),
                        new: false,
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Entry {
                    password: generate()?,
                    new: true,
                },
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot read {}", path.display()));
                }
            };
            passwords.insert(user.clone(), entry);
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            passwords,
            renames: BTreeMap::new(),
            renames_new: false,
        })
    }

    /// Gives each command to rename its new name: the one in [`RENAMES`] when it has one,
    /// else the one given (`CMD=NEW`), else `CMD_<random>` (a name nobody guesses).
    pub fn rename(&mut self, wanted: &[(String, Option<String>)]) -> Result<Vec<(String, String)>> {
        let path = self.dir.join(RENAMES);
        let known: BTreeMap<String, String> = match std::fs::read_to_string(&path) {
            Ok(text) => text
                .lines()
                .filter_map(|l| l.split_once(' '))
                .map(|(c, n)| (c.to_ascii_uppercase(), n.trim().to_string()))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        self.renames = known.clone();
        let mut out = Vec::new();
        for (command, given) in wanted {
            let command = command.to_ascii_uppercase();
            let name = match (known.get(&command), given) {
                (Some(k), Some(g)) if k != g => anyhow::bail!(
                    "{command} was renamed to another name before (see {}): remove it from \
                     that file first to rename it again",
                    path.display()
                ),
                (Some(k), _) => k.clone(),
                (None, Some(g)) => g.clone(),
                (None, None) => format!("{command}_{}", &generate()?.expose()[..16]),
            };
            if !known.contains_key(&command) {
                self.renames.insert(command.clone(), name.clone());
                self.renames_new = true;
            }
            out.push((command, name));
        }
        Ok(out)
    }

    pub fn password(&self, user: &str) -> Option<&Secret> {
        self.passwords.get(user).map(|e| &e.password)
    }

    /// The SHA-256 `ACL SETUSER` is given (`#<hash>`), so no plaintext reaches config files.
    pub fn hash(&self, user: &str) -> Option<String> {
        self.password(user).map(|p| sha256_hex(p.expose()))
    }

    /// Files this run adds to the directory: users' passwords and, with new renames, the
    /// renamed commands.
    pub fn new_files(&self) -> Vec<String> {
        let mut files: Vec<String> = self
            .new_users()
            .iter()
            .map(|u| format!("{u}.password"))
            .collect();
        if self.renames_new {
            files.push(RENAMES.into());
        }
        files
    }

    fn new_users(&self) -> Vec<String> {
        self.passwords
            .iter()
            .filter(|(_, e)| e.new)
            .map(|(u, _)| u.clone())
            .collect()
    }

    pub fn path(&self, user: &str) -> PathBuf {
        path_of(&self.dir, user)
    }

    /// Creates the directory (0700), or makes an existing one private.
    pub fn create_dir(&self) -> Result<()> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .with_context(|| {
                format!("cannot create the secrets directory {}", self.dir.display())
            })?;
        let mode = std::fs::metadata(&self.dir)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| {
                    format!("cannot make {} private (chmod 700)", self.dir.display())
                })?;
        }
        Ok(())
    }

    /// Writes the new passwords (directory 0700, files 0600).
    pub fn write_new(&self) -> Result<()> {
        self.create_dir()?;
        for user in self.new_users() {
            let path = self.path(&user);
            let line = format!("{}\n", self.passwords[&user].password.expose());
            write_atomic(&path, line.as_bytes(), 0o600)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        if self.renames_new {
            let path = self.dir.join(RENAMES);
            let text: String = self
                .renames
                .iter()
                .map(|(c, n)| format!("{c} {n}\n"))
                .collect();
            write_atomic(&path, text.as_bytes(), 0o600)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        Ok(())
    }

    /// The role descriptions remembered from earlier runs (empty when none).
    pub fn acl_forms(&self) -> BTreeMap<String, String> {
        std::fs::read_to_string(self.dir.join(ACL_FORMS))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default()
    }

    /// Adds to the remembered descriptions.
    pub fn remember_acl_forms(&self, forms: &BTreeMap<String, String>) -> Result<()> {
        let mut all = self.acl_forms();
        all.extend(forms.iter().map(|(k, v)| (k.clone(), v.clone())));
        let path = self.dir.join(ACL_FORMS);
        write_atomic(&path, serde_json::to_string_pretty(&all)?.as_bytes(), 0o600)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    /// Removes the files of this run's new passwords (after a rollback). The renames file
    /// stays: it only names commands, and a rolled-back rename never reached a server.
    pub fn remove_new(&self) {
        for user in self.new_users() {
            let _ = std::fs::remove_file(self.path(&user));
        }
    }
}

fn path_of(dir: &Path, user: &str) -> PathBuf {
    dir.join(format!("{user}.password"))
}

/// 32 random bytes from the kernel as 64 hex digits: no quoting trouble in any config file,
/// shell or URL, and far beyond any offline guessing of the unsalted SHA-256 Redis keeps.
fn generate() -> Result<Secret> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("cannot read /dev/urandom to generate a password")?;
    Ok(Secret::new(hex::encode(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_then_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("s");
        let users = vec!["admin".to_string(), "app".to_string()];
        let first = Secrets::load(&secrets, &users).unwrap();
        assert_eq!(first.new_files(), ["admin.password", "app.password"]);
        assert_eq!(first.password("admin").unwrap().expose().len(), 64);
        assert_ne!(first.hash("admin"), first.hash("app"));
        first.write_new().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&secrets), 0o700);
        assert_eq!(mode(&first.path("admin")), 0o600);

        let mut again = Secrets::load(&secrets, &users).unwrap();
        assert!(again.new_files().is_empty());
        let renamed = again
            .rename(&[
                ("flushall".into(), None),
                ("DEBUG".into(), Some("DBG9".into())),
            ])
            .unwrap();
        assert!(renamed[0].1.starts_with("FLUSHALL_") && renamed[0].1.len() == 25);
        assert_eq!(renamed[1], ("DEBUG".to_string(), "DBG9".to_string()));
        assert_eq!(again.new_files(), [RENAMES]);
        again.write_new().unwrap();
        let mut third = Secrets::load(&secrets, &users).unwrap();
        assert_eq!(
            third.rename(&[("FLUSHALL".into(), None)]).unwrap()[0],
            renamed[0]
        );
        assert!(third.new_files().is_empty());
        assert!(
            third
                .rename(&[("DEBUG".into(), Some("OTHER".into()))])
                .is_err()
        );
        assert_eq!(again.hash("admin"), first.hash("admin"));
        again.remove_new();
        assert!(first.path("admin").exists());
    }

    #[test]
    fn an_empty_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("admin.password"), "\n").unwrap();
        let err = Secrets::load(dir.path(), &["admin".into()]).err().unwrap();
        assert!(err.to_string().contains("is empty"));
    }
}
