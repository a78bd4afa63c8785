//! `bouncewhy serve`: the web page and JSON API over HTTP, until SIGTERM or Ctrl-C.

use super::{engine, CliError};
use crate::args::{GlobalArgs, ServeArgs};
use bouncewhy::Limits;
use std::process::ExitCode;
use std::time::Duration;

/// Runs `serve`.
pub fn run(global: &GlobalArgs, args: &ServeArgs) -> Result<ExitCode, CliError> {
    let limits = Limits {
        max_message_bytes: args.max_body_bytes,
        ..Limits::default()
    };
    let engine = engine(global)?.with_limits(limits);
    let config = bouncewhy_server::Config {
        max_body_bytes: args.max_body_bytes,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        header_timeout: Duration::from_secs(args.header_timeout.max(1)),
        concurrency: args.concurrency.max(1),
    };
    bouncewhy_server::run(engine, config, args.listen)
        .map_err(|e| CliError::new(format!("serve: {e}")))?;
    Ok(ExitCode::SUCCESS)
}
