//! `redisops status`: the one screen an operator reads during an incident; for a cluster,
//! every shard and node.

use super::Ctx;
use crate::cluster::{discover, status::ClusterStatus};
use crate::conn::{self, Want};
use crate::exit::ExitCode;
use crate::status::Status;
use crate::target::AnyTarget;
use anyhow::Result;
use clap::Args;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print one JSON object instead of text
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: &StatusArgs, ctx: &Ctx) -> Result<ExitCode> {
    let (json, text) = match AnyTarget::resolve(&ctx.conn, &ctx.config)? {
        AnyTarget::Single(target) => {
            let mut connected = conn::connect(&target, Want::Master).await?;
            let status = Status::gather(&target, &mut connected).await?;
            (serde_json::to_string_pretty(&status)?, status.render())
        }
        AnyTarget::Cluster(target) => {
            let discovery = discover::discover(&target).await?;
            let status = ClusterStatus::build(&target, &discovery);
            (serde_json::to_string_pretty(&status)?, status.render())
        }
    };
    if args.json {
        crate::outln!("{json}");
    } else {
        crate::out!("{text}");
    }
    Ok(ExitCode::Success)
}
