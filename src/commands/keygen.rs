//! `redisops keygen`: an age identity for users without the age CLI. The backup host only
//! needs the printed recipient (public key); keep the identity file somewhere else.

use crate::archive::keygen;
use crate::exit::ExitCode;
use age::secrecy::ExposeSecret;
use anyhow::Result;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Write the identity (private key) to FILE with mode 0600 instead of stdout; refuses to overwrite
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

pub fn run(args: &KeygenArgs) -> Result<ExitCode> {
    let (recipient, identity) = keygen(args.output.as_deref())?;
    match identity {
        // Like age-keygen: the identity on stdout, the public key on stderr.
        Some(identity) => {
            crate::ui::stderr_line(format_args!("Public key: {recipient}"));
            crate::out!("{}", identity.expose_secret());
        }
        None => {
            let path = args.output.as_deref().unwrap_or(std::path::Path::new("?"));
            crate::ui::stderr_line(format_args!(
                "redisops: identity written to {} (mode 0600)",
                path.display()
            ));
            crate::ui::stderr_line(format_args!(
                "redisops: public key (use with backup --recipient):"
            ));
            crate::outln!("{recipient}");
        }
    }
    Ok(ExitCode::Success)
}
