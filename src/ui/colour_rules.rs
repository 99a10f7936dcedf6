//! Packet-list colouring rules compiled for use: the rules' display
//! filters as one set, so a row is dissected once for all of them; only
//! rows in view are coloured (and cached with them), first match wins, as
//! in Wireshark's View › Coloring Rules.

use dissectors::packet::PacketInfo;
use eframe::egui::Color32;

use crate::filter::{FilterSet, FilterSink};
use crate::settings::ColourRule;
use crate::store::Snapshot;
use crate::store::frame::{PacketBytes, redissect_reusing};

pub struct CompiledRule {
    pub name: String,
    pub foreground: Color32,
    pub background: Color32,
}

#[derive(Default)]
pub struct ColourRules {
    /// The enabled rules, in order.
    pub rules: Vec<CompiledRule>,
    /// Their filters (positions are those of `rules`).
    set: FilterSet,
    sink: FilterSink,
    /// The rules these were compiled from.
    of: Vec<ColourRule>,
    /// Rules whose filter does not compile: (name, error).
    pub errors: Vec<(String, String)>,
    pi: PacketInfo,
    tape: Vec<u8>,
}

fn colour((r, g, b): (u8, u8, u8)) -> Color32 {
    Color32::from_rgb(r, g, b)
}

impl ColourRules {
    /// Compiles `rules` if they differ from what is compiled; true when
    /// they did (rows coloured by the old rules must be redone).
    pub fn set(&mut self, rules: &[ColourRule]) -> bool {
        if self.of == rules {
            return false;
        }
        self.of = rules.to_vec();
        let enabled: Vec<&ColourRule> = rules.iter().filter(|r| r.enabled).collect();
        let (set, errors) = FilterSet::compile(enabled.iter().map(|r| r.filter.as_str()));
        self.rules = enabled
            .iter()
            .map(|r| CompiledRule {
                name: r.name.clone(),
                foreground: colour(r.foreground),
                background: colour(r.background),
            })
            .collect();
        self.errors = errors
            .into_iter()
            .map(|(i, e)| (enabled[i].name.clone(), e.to_string()))
            .collect();
        self.sink = set.sink();
        self.set = set;
        true
    }

    /// The first rule frame `number` matches (an index into `rules`).
    pub fn rule_for(
        &mut self,
        snap: &Snapshot,
        bytes: &dyn PacketBytes,
        number: u32,
    ) -> Option<usize> {
        if self.set.is_empty() {
            return None;
        }
        let row = snap.index.row(number.checked_sub(1)? as usize)?;
        self.sink.clear();
        let opts = crate::pass::options(false);
        if !redissect_reusing(
            snap,
            bytes,
            number,
            &mut self.sink,
            &mut self.pi,
            opts,
            &mut self.tape,
        ) {
            return None;
        }
        self.set
            .first_match(&self.sink, bytes.bytes(row.offset, row.caplen))
    }
}
