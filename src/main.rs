//! The redisops binary: parse, run, map errors to documented exit codes.

use clap::Parser;
use redisops::exit::{self, ExitCode};

fn main() -> std::process::ExitCode {
    let cli = redisops::cli::Cli::parse();
    let code = match redisops::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // `redisops list | head` must not report a broken pipe as a failure.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                ExitCode::Success
            } else {
                eprintln!("redisops: error: {err:#}");
                exit::code_for(&err)
            }
        }
    };
    std::process::ExitCode::from(code.code())
}
