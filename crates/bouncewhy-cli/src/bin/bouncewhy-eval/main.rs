//! `bouncewhy-eval`: measures the `bouncewhy` command against acceptance data.
//!
//! Exit status: 0 the measure reached its minimum; 1 it did not; 2 usage or I/O error.

mod corpus;
mod seeds;

use std::process::ExitCode;

const USAGE: &str = "usage: bouncewhy-eval <command> [options]

commands:
  seeds [--cases PATH] [--min 0.95] [--bin PATH]
        run the seed acceptance cases through `bouncewhy explain --json`
  corpus [--corpus DIR] [--bin PATH] [--min-reason X] [--min-status X] [--min-recipient X] [--min-hard-bounce X]
        decode the sisimai corpus with `bouncewhy decode` and score it against labels.jsonl";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "seeds" => seeds::run(rest),
        "corpus" => corpus::run_args(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => Err(format!("unknown command `{other}`\n{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("bouncewhy-eval: {message}");
            ExitCode::from(2)
        }
    }
}
