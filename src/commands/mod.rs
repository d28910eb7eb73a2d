//! One file per subcommand. Each only wires the domain modules together: parse its
//! arguments, call the library, print the result, return an exit code.

pub mod generate;
pub mod harden;
pub mod status;

use crate::cli::ConnectionArgs;
use crate::config::Config;
use crate::target::Target;
use anyhow::Result;

/// What every command gets: the loaded config and the connection flags.
pub struct Ctx {
    pub config: Config,
    pub conn: ConnectionArgs,
}

impl Ctx {
    pub fn target(&self) -> Result<Target> {
        Target::resolve(&self.conn, &self.config)
    }
}
