//! JSON Lines: one Diagnosis object per line, field names as in the public contract.

use bouncewhy::Diagnosis;
use std::io::Write;

/// Writes one Diagnosis as a single JSON line.
pub fn write_line(out: &mut impl Write, diagnosis: &Diagnosis) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, diagnosis)?;
    out.write_all(b"\n")
}
