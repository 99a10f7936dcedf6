//! What the app remembers between runs, kept as RON in the user's config
//! directory (`~/.config/wirelens/settings.ron` on Linux; the
//! `WIRELENS_CONFIG_DIR` variable moves it). A file that cannot be read
//! is reported, set aside as `settings.ron.broken` (so nothing the user
//! wrote is lost) and replaced by defaults; it never stops the app.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Filters the user keeps as buttons beside the filter bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FilterButton {
    pub label: String,
    pub filter: String,
}

/// A packet-list column showing a field's values (Wireshark's custom
/// column): `field` is its display-filter name, `title` the header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldColumn {
    pub title: String,
    pub field: String,
}

/// A packet-list colouring rule: rows the filter matches take these
/// colours (RGB); the first matching rule wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColourRule {
    pub name: String,
    pub filter: String,
    pub foreground: (u8, u8, u8),
    pub background: (u8, u8, u8),
    #[serde(default = "yes")]
    pub enabled: bool,
}

fn yes() -> bool {
    true
}

/// The rules the app starts with (assets/colour_rules.ron).
pub fn default_colour_rules() -> Vec<ColourRule> {
    // The file is part of the source; a test holds that it parses.
    ron::from_str(include_str!("../assets/colour_rules.ron")).unwrap_or_default()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Theme {
    #[default]
    Dark,
    Light,
}

/// How the Time column reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum TimeFormat {
    /// Seconds since the first packet.
    #[default]
    Relative,
    /// Seconds since the previous packet.
    Delta,
    /// Seconds since the epoch (UTC).
    Absolute,
}

impl TimeFormat {
    pub const ALL: [TimeFormat; 3] = [
        TimeFormat::Relative,
        TimeFormat::Delta,
        TimeFormat::Absolute,
    ];
    pub fn name(self) -> &'static str {
        match self {
            TimeFormat::Relative => "Seconds since first packet",
            TimeFormat::Delta => "Seconds since previous packet",
            TimeFormat::Absolute => "Seconds since epoch",
        }
    }
}

impl Settings {
    /// The analysis' memory ceiling in bytes.
    pub fn state_limit_bytes(&self) -> usize {
        usize::try_from(self.analysis_memory_limit_mib.saturating_mul(1 << 20))
            .unwrap_or(usize::MAX)
            .max(1 << 20)
    }
}

/// Files kept in the recent list.
pub const RECENT: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub theme: Theme,
    /// Body text size in points.
    pub font_size: f32,
    pub time_format: TimeFormat,
    /// Opened captures, latest first.
    pub recent_files: Vec<PathBuf>,
    /// Applied display filters, latest first.
    pub filter_history: Vec<String>,
    pub filter_buttons: Vec<FilterButton>,
    /// Packet list colouring, first match wins.
    pub colour_rules: Vec<ColourRule>,
    /// Packet list columns hidden, by title ("Time", "Length"…).
    pub hidden_columns: Vec<String>,
    /// Columns of field values, after the built-in ones.
    pub field_columns: Vec<FieldColumn>,
    /// Memory for the analysis' per-conversation state, in MiB (see
    /// `--memory-limit`).
    pub analysis_memory_limit_mib: u64,
    /// Decode As rules in tshark's spelling (`tcp.port==8443,http2`).
    pub decode_as: Vec<String>,
    /// The TLS key log to decrypt with: its path only, never its secrets.
    pub tls_keylog_file: Option<PathBuf>,
    /// Live captures' spill files kept in all, in MiB: starting a capture
    /// deletes the oldest unsaved ones past it (never the one on screen).
    pub spill_cap_mib: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: Theme::default(),
            font_size: 13.0,
            time_format: TimeFormat::default(),
            recent_files: Vec::new(),
            filter_history: Vec::new(),
            // Wireshark ships none; two that show what buttons are for.
            filter_buttons: vec![
                FilterButton {
                    label: "TCP problems".into(),
                    filter: "tcp.analysis.flags && !tcp.analysis.window_update".into(),
                },
                FilterButton {
                    label: "Handshakes".into(),
                    filter: "tcp.flags.syn == 1 || tls.handshake.type == 1".into(),
                },
            ],
            colour_rules: default_colour_rules(),
            hidden_columns: Vec::new(),
            field_columns: Vec::new(),
            analysis_memory_limit_mib: (dissectors::analysis::DEFAULT_STATE_LIMIT >> 20) as u64,
            decode_as: Vec::new(),
            tls_keylog_file: None,
            spill_cap_mib: 4096,
        }
    }
}

impl Settings {
    /// Puts `path` first in the recent files.
    pub fn opened(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        self.recent_files.retain(|p| *p != path);
        self.recent_files.insert(0, path);
        self.recent_files.truncate(RECENT);
    }

    /// Values a hand-edited file may hold that the app cannot use, brought
    /// back into range.
    fn sanitized(mut self) -> Self {
        if !self.font_size.is_finite() {
            self.font_size = Settings::default().font_size;
        }
        self.font_size = self.font_size.clamp(8.0, 32.0);
        self.recent_files.truncate(RECENT);
        self
    }
}

/// Where settings are read from and written to.
#[derive(Debug, Clone)]
pub struct SettingsFile {
    pub path: PathBuf,
}

/// What loading found.
#[derive(Debug)]
pub struct Loaded {
    pub settings: Settings,
    /// Set when the file was unreadable and defaults are used instead.
    pub warning: Option<String>,
}

impl SettingsFile {
    /// The user's settings file (None: no config directory is known).
    pub fn user() -> Option<SettingsFile> {
        let dir = match std::env::var_os("WIRELENS_CONFIG_DIR") {
            Some(d) => PathBuf::from(d),
            None => dirs::config_dir()?.join("wirelens"),
        };
        Some(SettingsFile {
            path: dir.join("settings.ron"),
        })
    }

    pub fn load(&self) -> Loaded {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Loaded {
                    settings: Settings::default(),
                    warning: None,
                };
            }
            Err(e) => {
                return Loaded {
                    settings: Settings::default(),
                    warning: Some(format!(
                        "Settings {} could not be read ({e}); using defaults.",
                        self.path.display()
                    )),
                };
            }
        };
        match ron::from_str::<Settings>(&text) {
            Ok(s) => Loaded {
                settings: s.sanitized(),
                warning: None,
            },
            Err(e) => {
                let mut kept = self.path.clone().into_os_string();
                kept.push(".broken");
                let kept = PathBuf::from(kept);
                let moved = std::fs::rename(&self.path, &kept).is_ok();
                Loaded {
                    settings: Settings::default(),
                    warning: Some(format!(
                        "Settings {} are damaged ({e}); using defaults.{}",
                        self.path.display(),
                        if moved {
                            format!(" The old file is kept as {}.", kept.display())
                        } else {
                            String::new()
                        }
                    )),
                }
            }
        }
    }

    /// Writes `settings`; a crash halfway leaves the old file whole.
    pub fn save(&self, settings: &Settings) -> Result<(), String> {
        let text = ron::ser::to_string_pretty(settings, ron::ser::PrettyConfig::default())
            .map_err(|e| e.to_string())?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let mut tmp = self.path.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &self.path).map_err(|e| format!("{}: {e}", self.path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_file(name: &str) -> SettingsFile {
        let dir =
            std::env::temp_dir().join(format!("wirelens-settings-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        SettingsFile {
            path: dir.join("settings.ron"),
        }
    }

    #[test]
    fn saved_settings_load_back() {
        let f = temp_file("roundtrip");
        let mut s = Settings {
            theme: Theme::Light,
            font_size: 15.0,
            time_format: TimeFormat::Delta,
            ..Settings::default()
        };
        s.filter_history = vec!["dns".into(), "tcp.port == 443".into()];
        s.filter_buttons.push(FilterButton {
            label: "quoted \"x\"".into(),
            filter: "http2.header.value contains \"\\x01\"".into(),
        });
        s.opened(Path::new("/nonexistent/a.pcap"));
        f.save(&s).unwrap();
        let l = f.load();
        assert_eq!(l.warning, None);
        assert_eq!(l.settings, s);
    }

    #[test]
    fn the_default_colour_rules_parse() {
        let rules = default_colour_rules();
        assert!(rules.len() >= 10, "{}", rules.len());
        assert_eq!(rules[0].name, "Bad TCP");
        assert!(rules.iter().all(|r| r.enabled));
    }

    #[test]
    fn a_missing_file_gives_defaults_silently() {
        let l = temp_file("missing").load();
        assert_eq!(l.warning, None);
        assert_eq!(l.settings, Settings::default());
    }

    #[test]
    fn a_damaged_file_is_reported_kept_aside_and_replaced_by_defaults() {
        let f = temp_file("damaged");
        std::fs::create_dir_all(f.path.parent().unwrap()).unwrap();
        std::fs::write(&f.path, "(theme: Purple, font_size: \"big\"").unwrap();
        let l = f.load();
        assert_eq!(l.settings, Settings::default());
        let w = l.warning.expect("a warning");
        assert!(
            w.contains("damaged") && w.contains("settings.ron.broken"),
            "{w}"
        );
        let kept = f.path.with_extension("ron.broken");
        assert_eq!(
            std::fs::read_to_string(kept).unwrap(),
            "(theme: Purple, font_size: \"big\""
        );
        assert!(!f.path.exists());
    }

    #[test]
    fn unknown_and_missing_keys_do_not_lose_the_rest() {
        let f = temp_file("partial");
        std::fs::create_dir_all(f.path.parent().unwrap()).unwrap();
        // A file from an older version: one key only, and a font size
        // typed by hand out of range.
        std::fs::write(
            &f.path,
            "(time_format: Absolute, font_size: 1000.0, columns_from_2025: [1, 2])",
        )
        .unwrap();
        let l = f.load();
        assert_eq!(l.warning, None);
        assert_eq!(l.settings.time_format, TimeFormat::Absolute);
        assert_eq!(l.settings.font_size, 32.0);
        assert_eq!(
            l.settings.filter_buttons,
            Settings::default().filter_buttons
        );
    }
}
