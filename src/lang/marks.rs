//! Byte offsets of one file marked by a front end's token pre-scan (where a token a fact needs
//! starts), with the count of marks before each 64-byte block so that "is there a mark in this
//! node's byte range?" takes constant time. The walk skips subtrees without one.

#[derive(Default)]
pub struct ByteMarks {
    bits: Vec<u64>,
    counts: Vec<u32>,
}

impl ByteMarks {
    /// Clears the marks for a file of `len` bytes (the buffers are reused between files).
    pub fn reset(&mut self, len: usize) {
        self.bits.clear();
        self.bits.resize(len / 64 + 1, 0);
    }

    pub fn set(&mut self, at: usize) {
        self.bits[at / 64] |= 1 << (at % 64);
    }

    /// Counts the marks per block; call once all are set, before any query.
    pub fn seal(&mut self) {
        self.counts.clear();
        let mut total = 0;
        for bits in &self.bits {
            self.counts.push(total);
            total += bits.count_ones();
        }
    }

    /// How many marks lie before byte `at`.
    fn rank(&self, at: usize) -> u32 {
        let block = (at / 64).min(self.bits.len() - 1);
        let below = self.bits[block] & ((1u64 << (at % 64)) - 1);
        self.counts[block] + below.count_ones()
    }

    pub fn any_in(&self, start: usize, end: usize) -> bool {
        self.rank(end) > self.rank(start)
    }

    /// The first mark in `start..end`.
    pub fn next(&self, start: usize, end: usize) -> Option<usize> {
        let mut block = start / 64;
        let mut bits = self.bits.get(block)? & (!0u64 << (start % 64));
        loop {
            if bits != 0 {
                let at = block * 64 + bits.trailing_zeros() as usize;
                return (at < end).then_some(at);
            }
            block += 1;
            if block * 64 >= end {
                return None;
            }
            bits = *self.bits.get(block)?;
        }
    }
}
