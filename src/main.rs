use clap::Parser;

fn main() {
    let cli = wirelens::cli::Cli::parse();
    let Some(cmd) = cli.command else {
        if let Err(e) = wirelens::ui::run(cli.file) {
            eprintln!("wirelens: error: {e}");
            std::process::exit(1);
        }
        return;
    };
    if let Err(e) = wirelens::cli::run(cmd) {
        eprintln!("wirelens: error: {}", e.0);
        std::process::exit(1);
    }
}
