use clap::Parser;

fn main() {
    // tshark's `wirelens -G [fields|protocols]`, read before clap, which
    // would take `fields` for the subcommand of that name.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "-G") {
        glossary(args.get(2).map_or("fields", String::as_str));
    }
    let cli = wirelens::cli::Cli::parse();
    if let Some(mib) = cli.memory_limit {
        wirelens::pass::set_state_limit(usize::try_from(mib << 20).unwrap_or(usize::MAX));
    }
    match wirelens::pass::decode_as_rules(&cli.decode_as) {
        Ok(rules) => wirelens::pass::set_decode_as(rules),
        Err(e) => {
            eprintln!("wirelens: error: {e}");
            std::process::exit(2);
        }
    }
    let (keylog, warnings) = cli.keylog_file();
    for w in warnings {
        eprintln!("wirelens: warning: {w}");
    }
    if let Some(path) = &keylog {
        match wirelens::pass::read_keylog(path) {
            Ok((keys, errors)) => {
                for e in errors {
                    eprintln!("wirelens: warning: {e}");
                }
                wirelens::pass::set_keys(Some(std::sync::Arc::new(keys)));
            }
            Err(e) => {
                eprintln!("wirelens: error: key log {e}");
                std::process::exit(2);
            }
        }
    }
    let Some(cmd) = cli.command else {
        let launch = wirelens::ui::Launch {
            file: cli.file,
            interface: cli.interface,
            capture_filter: cli.capture_filter,
            start: cli.start,
            display_filter: cli.display_filter,
            goto: cli.goto,
            memory_limit_set: cli.memory_limit.is_some(),
            decode_as: cli.decode_as.clone(),
            keylog: keylog.clone(),
        };
        if let Err(e) = wirelens::ui::run(launch) {
            eprintln!("wirelens: error: {e}");
            std::process::exit(1);
        }
        return;
    };
    // A reader that stops early (`| head`) ends a subcommand quietly, as
    // it ends tshark: Rust ignores SIGPIPE and would report the write's
    // error instead.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal before any thread
    // is started; no handler runs Rust code.
    #[allow(unsafe_code)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    if let Err(e) = wirelens::cli::run(cmd) {
        eprintln!("wirelens: error: {}", e.0);
        std::process::exit(1);
    }
}

fn glossary(report: &str) -> ! {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let r = wirelens::cli::fields::glossary(report, &mut out)
        .and_then(|()| std::io::Write::flush(&mut out).map_err(Into::into));
    if let Err(e) = r {
        eprintln!("wirelens: error: {}", e.0);
        std::process::exit(1);
    }
    std::process::exit(0);
}
