//! `-z expert[,error|warn|note|chat|comment][,FILTER]`: tshark's expert
//! information summary: per severity, each distinct (group, protocol,
//! summary) with how often it occurred, in the order first seen.

use std::fmt::Write as _;

use dissectors::expert::{Group, Severity};

/// An expert item as the tap sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertItem {
    pub severity: Severity,
    pub group: Group,
    /// The Protocol-column name of the protocol that added it.
    pub protocol: &'static str,
    pub summary: String,
}

#[derive(Debug)]
struct Entry {
    item: ExpertItem,
    frequency: u64,
}

#[derive(Debug)]
pub struct ExpertSummary {
    least: Severity,
    /// Entries by severity, from Comment to Error.
    entries: [Vec<Entry>; 5],
}

impl ExpertSummary {
    /// From the text after `expert`: an optional lowest severity (the rest
    /// is the filter, which the caller takes).
    pub fn parse(rest: &str) -> (ExpertSummary, Option<&str>) {
        let rest = rest.strip_prefix(',').unwrap_or(rest);
        let (first, after) = match rest.split_once(',') {
            Some((f, a)) => (f, Some(a)),
            None => (rest, None),
        };
        let least = match first {
            "error" => Some(Severity::Error),
            "warn" => Some(Severity::Warning),
            "note" => Some(Severity::Note),
            "chat" => Some(Severity::Chat),
            "comment" => Some(Severity::Comment),
            _ => None,
        };
        let filter = match least {
            Some(_) => after,
            None => Some(rest),
        }
        .filter(|f| !f.trim().is_empty());
        let summary = ExpertSummary {
            least: least.unwrap_or(Severity::Comment),
            entries: Default::default(),
        };
        (summary, filter)
    }

    pub fn add(&mut self, items: &[ExpertItem]) {
        for item in items.iter().filter(|i| i.severity >= self.least) {
            let list = &mut self.entries[item.severity as usize];
            match list.iter_mut().find(|e| e.item == *item) {
                Some(e) => e.frequency += 1,
                None => list.push(Entry {
                    item: item.clone(),
                    frequency: 1,
                }),
            }
        }
    }

    pub fn draw(&self, out: &mut String) {
        for (severity, label) in [
            (Severity::Error, "Errors"),
            (Severity::Warning, "Warns"),
            (Severity::Note, "Notes"),
            (Severity::Chat, "Chats"),
            (Severity::Comment, "Comments"),
        ] {
            let list = &self.entries[severity as usize];
            if list.is_empty() {
                continue;
            }
            let total: u64 = list.iter().map(|e| e.frequency).sum();
            let _ = writeln!(out, "\n{label} ({total})\n=============");
            out.push_str("   Frequency      Group           Protocol  Summary\n");
            for e in list {
                let _ = writeln!(
                    out,
                    "{:>12} {:>10} {:>18}  {}",
                    e.frequency,
                    e.item.group.name(),
                    e.item.protocol,
                    e.item.summary
                );
            }
        }
    }
}
