#![forbid(unsafe_code)]
use clap::Parser;

// A multi-threaded runtime, so the background writers and workers run beside each other, at background
// priority (phananh::priority); actix-web's HTTP workers are threads of their own.
fn main() -> std::process::ExitCode {
    let cli = phananh::cli::Cli::parse();
    let runtime = match phananh::priority::background_runtime() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("phananh: cannot start the async runtime: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(phananh::cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("phananh: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
