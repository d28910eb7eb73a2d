//! The redisops binary: parse, run, map errors to documented exit codes.

use clap::Parser;
use redisops::exit::{self, ExitCode};

fn main() -> std::process::ExitCode {
    // `REDISOPS_CONFIG=` (say, from an env file with the value left out) means unset, as for
    // REDISCLI_AUTH; clap would refuse it as a missing value.
    for (name, value) in std::env::vars_os() {
        if value.is_empty() && name.to_string_lossy().starts_with("REDISOPS_") {
            // SAFETY: nothing else runs yet: no other thread reads the environment.
            unsafe { std::env::remove_var(name) };
        }
    }
    let cli = redisops::cli::Cli::parse();
    let code = match redisops::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // `redisops list | head` closing stdout is not a failure.
            if err.chain().any(|e| e.is::<redisops::ui::StdoutClosed>()) {
                ExitCode::Success
            } else {
                redisops::ui::error(format!("{err:#}"));
                exit::code_for(&err)
            }
        }
    };
    std::process::ExitCode::from(code.code())
}
