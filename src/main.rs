#![forbid(unsafe_code)]
use clap::Parser;

#[actix_web::main]
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
