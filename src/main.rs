use std::process::ExitCode;

fn main() -> ExitCode {
    agent_audit::cli::run(std::env::args_os())
}
