//! `bouncewhy explain`: one pasted error (or each line of a log) to a Diagnosis.

use super::{engine, language, CliError};
use crate::args::{ExplainArgs, GlobalArgs};
use crate::output;
use std::io::{IsTerminal, Read, Write};
use std::process::ExitCode;

/// Runs `explain`.
pub fn run(global: &GlobalArgs, args: &ExplainArgs) -> Result<ExitCode, CliError> {
    let engine = engine(global)?;
    let lang = language(global, &engine);
    let text = if args.text.is_empty() || args.text == ["-"] {
        read_stdin(engine.limits().max_message_bytes)?
    } else {
        args.text.join(" ")
    };
    let inputs: Vec<&str> = if args.each_line {
        text.lines().filter(|l| !l.trim().is_empty()).collect()
    } else {
        vec![text.as_str()]
    };
    let stdout = std::io::stdout();
    let color = !args.json && stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    for input in &inputs {
        match engine.explain_any(input, &lang) {
            Ok(diagnoses) if diagnoses.is_empty() => {
                eprintln!("bouncewhy: this email is not a bounce: it reports no failed recipient");
            }
            Ok(diagnoses) => {
                for diagnosis in &diagnoses {
                    if args.json {
                        output::json::write_line(&mut out, diagnosis)?;
                    } else {
                        output::text::write(&mut out, diagnosis, engine.knowledge(), color)?;
                    }
                }
            }
            Err(error) => {
                failed += 1;
                eprintln!("bouncewhy: cannot explain the input: {error}");
            }
        }
    }
    out.flush()?;
    Ok(match failed {
        0 => ExitCode::SUCCESS,
        n if n == inputs.len() => ExitCode::from(2),
        _ => ExitCode::from(1),
    })
}

/// Reads standard input up to `limit` bytes (one more to detect overflow), decoding lossily.
fn read_stdin(limit: usize) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        return Err(CliError::new(format!(
            "the input is over the limit of {limit} bytes"
        )));
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}
