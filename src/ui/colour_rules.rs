//! Packet-list colouring rules compiled for use: each rule's display
//! filter, evaluated on the rows in view only (they are cached with the
//! row's text), first match wins, as in Wireshark's View › Coloring Rules.

use dissectors::packet::{Options, PacketInfo};
use eframe::egui::Color32;

use crate::filter::{DisplayFilter, FilterSink};
use crate::settings::ColourRule;
use crate::store::Snapshot;
use crate::store::frame::{PacketBytes, redissect_reusing};

pub struct CompiledRule {
    pub name: String,
    pub foreground: Color32,
    pub background: Color32,
    filter: DisplayFilter,
    sink: FilterSink,
}

#[derive(Default)]
pub struct ColourRules {
    pub rules: Vec<CompiledRule>,
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
        self.rules.clear();
        self.errors.clear();
        for r in rules.iter().filter(|r| r.enabled) {
            match DisplayFilter::compile(&r.filter) {
                Ok(filter) => self.rules.push(CompiledRule {
                    name: r.name.clone(),
                    foreground: colour(r.foreground),
                    background: colour(r.background),
                    sink: filter.sink(),
                    filter,
                }),
                Err(e) => self.errors.push((r.name.clone(), e.to_string())),
            }
        }
        true
    }

    /// The first rule frame `number` matches.
    pub fn rule_for(
        &mut self,
        snap: &Snapshot,
        bytes: &dyn PacketBytes,
        number: u32,
    ) -> Option<usize> {
        let row = snap.index.row(number.checked_sub(1)? as usize)?;
        let data = bytes.bytes(row.offset, row.caplen);
        let opts = Options { columns: false };
        for (i, r) in self.rules.iter_mut().enumerate() {
            r.sink.clear();
            if redissect_reusing(
                snap,
                bytes,
                number,
                &mut r.sink,
                &mut self.pi,
                opts,
                &mut self.tape,
            ) && r.filter.matches(&r.sink, data)
            {
                return Some(i);
            }
        }
        None
    }
}
