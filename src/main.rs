use clap::Parser;

fn main() {
    let cli = wirelens::cli::Cli::parse();
    let Some(cmd) = cli.command else {
        let launch = wirelens::ui::Launch {
            file: cli.file,
            interface: cli.interface,
            capture_filter: cli.capture_filter,
            start: cli.start,
            display_filter: cli.display_filter,
            goto: cli.goto,
        };
        if let Err(e) = wirelens::ui::run(launch) {
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
