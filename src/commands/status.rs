//! `redisops status`: the one screen an operator reads during an incident.

use super::Ctx;
use crate::conn::{self, Want};
use crate::exit::ExitCode;
use crate::status::Status;
use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: &StatusArgs, ctx: &Ctx) -> Result<ExitCode> {
    let target = ctx.target()?;
    let mut connected = conn::connect(&target, Want::Master).await?;
    let status = Status::gather(&target, &mut connected).await?;
    if args.json {
        crate::outln!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        crate::out!("{}", status.render());
    }
    Ok(ExitCode::Success)
}
