#![forbid(unsafe_code)]
use clap::Parser;

// A multi-threaded runtime: the background writers and workers run beside each other, not on one thread.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = phananh::cli::Cli::parse();
    match phananh::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("phananh: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
