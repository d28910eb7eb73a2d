//! The redisops binary: parse, run, map errors to documented exit codes.

use clap::Parser;
use redisops::exit::{self, ExitCode};

fn main() -> std::process::ExitCode {
    let cli = redisops::cli::Cli::parse();
    let code = match redisops::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // `redisops list | head` closing stdout is not a failure.
            if err.chain().any(|e| e.is::<redisops::ui::StdoutClosed>()) {
                ExitCode::Success
            } else {
                eprintln!("redisops: error: {err:#}");
                exit::code_for(&err)
            }
        }
    };
    std::process::ExitCode::from(code.code())
}
