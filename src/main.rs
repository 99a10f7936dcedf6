use clap::Parser;

fn main() {
    let cli = wirelens::cli::Cli::parse();
    let Some(cmd) = cli.command else {
        eprintln!("wirelens: the desktop app is not built yet; use a subcommand (see --help)");
        std::process::exit(2);
    };
    if let Err(e) = wirelens::cli::run(cmd) {
        eprintln!("wirelens: error: {}", e.0);
        std::process::exit(1);
    }
}
