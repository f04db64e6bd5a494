//! A unit's line table, decoded once: the rows by address and the files.

use super::dwarf::{Binary, Cu, Lines, Row, R};

impl Binary {
    pub(super) fn lines<'a>(&self, cu: &'a Cu) -> &'a Lines {
        cu.lines
            .get_or_init(|| self.build_lines(cu).unwrap_or_default())
    }

    fn build_lines(&self, cu: &Cu) -> gimli::Result<Lines> {
        let mut out = Lines::default();
        let Some(prog) = cu.line_unit().line_program.clone() else {
            return Ok(out);
        };
        let header = prog.header().clone();
        if let Some(mut seqs) = super::walk::decode_lines(&header) {
            seqs.sort_unstable_by_key(|s| s.0);
            out.seqs = seqs;
            let n = header.file_names().len() + 1;
            out.files = (0..n as u64)
                .map(|i| self.header_file(cu, &header, i))
                .collect();
            return Ok(out);
        }
        let mut rows = prog.rows();
        let mut cur: Vec<Row> = Vec::new();
        while let Some((_, row)) = rows.next_row()? {
            if row.end_sequence() {
                if let Some(first) = cur.first() {
                    let start = first.0;
                    out.seqs
                        .push((start, row.address(), std::mem::take(&mut cur)));
                }
                continue;
            }
            let line = row.line().map(|l| l.get() as u32).unwrap_or(0);
            let col = match row.column() {
                gimli::ColumnType::LeftEdge => 0,
                gimli::ColumnType::Column(c) => c.get() as u32,
            };
            cur.push((row.address(), row.file_index() as u32, line, col));
        }
        out.seqs.sort_unstable_by_key(|s| s.0);
        let n = header.file_names().len() + 1;
        out.files = (0..n as u64)
            .map(|i| self.header_file(cu, &header, i))
            .collect();
        Ok(out)
    }

    fn header_file(
        &self,
        cu: &Cu,
        header: &gimli::LineProgramHeader<R>,
        index: u64,
    ) -> Option<String> {
        let f = header.file(index)?;
        let name = self
            .dwarf
            .attr_string(cu.line_unit(), f.path_name())
            .ok()?
            .to_string_lossy()
            .into_owned();
        if name.starts_with('/') {
            return Some(name);
        }
        let dir = f
            .directory(header)
            .and_then(|d| self.dwarf.attr_string(cu.line_unit(), d).ok())
            .map(|d| d.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut path = std::path::PathBuf::new();
        if !dir.starts_with('/') {
            if let Some(c) = &cu.comp_dir {
                path.push(c);
            }
        }
        if !dir.is_empty() {
            path.push(dir);
        }
        path.push(name);
        Some(path.to_string_lossy().into_owned())
    }
}
