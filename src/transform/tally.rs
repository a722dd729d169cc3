//! [`TransformTally`]: how many values each transform handled during one statement,
//! response or file, counted without allocating per value (transform names are
//! `&'static str`, and a statement uses only a handful of transforms), then added to
//! the gateway's metrics once at the end.

/// Values transformed, by transform name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransformTally {
    counts: Vec<(&'static str, u64)>,
    /// Of those, values answered from a remembered whole row (`pg::rows::row_memo`)
    /// rather than by the transform's own pseudonym memo: memo hits all the same.
    recalled: u64,
}

impl TransformTally {
    /// Counts one value through `transform`.
    pub fn add(&mut self, transform: &'static str) {
        self.add_n(transform, 1);
    }

    /// Counts `n` values through `transform`.
    pub fn add_n(&mut self, transform: &'static str, n: u64) {
        // Names are static strings: the same name is almost always the same pointer,
        // compared before the bytes.
        let same = |name: &&str| std::ptr::eq(*name, transform) || *name == transform;
        match self.counts.iter_mut().find(|(name, _)| same(name)) {
            Some((_, count)) => *count += n,
            None => self.counts.push((transform, n)),
        }
    }

    /// Adds another tally to this one.
    pub fn merge(&mut self, other: &TransformTally) {
        for (name, n) in &other.counts {
            self.add_n(name, *n);
        }
        self.recalled += other.recalled;
    }

    /// Notes `n` of the values counted as answered from a remembered row.
    pub fn add_recalled(&mut self, n: u64) {
        self.recalled += n;
    }

    /// Takes the count of values answered from remembered rows, leaving 0.
    pub fn take_recalled(&mut self) -> u64 {
        std::mem::take(&mut self.recalled)
    }

    /// The counts so far, in order of first use.
    pub fn counts(&self) -> &[(&'static str, u64)] {
        &self.counts
    }

    /// Takes the counts, leaving the tally empty (its capacity kept).
    pub fn drain(&mut self) -> std::vec::Drain<'_, (&'static str, u64)> {
        self.counts.drain(..)
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_counted_per_transform_name() {
        let mut tally = TransformTally::default();
        tally.add("fpe_card");
        tally.add("mask");
        tally.add("fpe_card");
        let mut other = TransformTally::default();
        other.add_n("mask", 3);
        tally.merge(&other);
        assert_eq!(tally.counts(), &[("fpe_card", 2), ("mask", 4)]);
        assert_eq!(tally.drain().count(), 2);
        assert!(tally.is_empty());
    }
}
