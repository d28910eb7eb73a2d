//! The visitor that turns a walk into an [`Analysis`]: totals, top keys, prefixes and TTLs, in
//! memory bounded by the options (top N, prefix limit), not by the number of keys.

use std::collections::BTreeMap;

use super::prefix::PrefixTable;
use super::top::{KeyRow, Top};
use super::ttl::{self, TtlBuckets};
use super::{Analysis, FieldTtl, Options, RdbFacts, Source, Totals, TypeTotals, db_list};
use crate::rdb::{KeyInfo, RdbSummary, ValueType, Visitor};

pub struct Collector {
    now_ms: i64,
    top_n: usize,
    totals: Totals,
    databases: BTreeMap<u32, Totals>,
    /// By type byte and string encoding; named at the end.
    types: BTreeMap<(ValueType, Option<&'static str>), (u64, u64, u64)>,
    by_bytes: Top,
    by_elements: Top,
    prefixes: PrefixTable,
    ttl: TtlBuckets,
    field_ttl: FieldTtl,
    expired: Vec<KeyRow>,
}

impl Collector {
    pub fn new(opts: &Options) -> Self {
        Self {
            now_ms: opts.now_ms,
            top_n: opts.top,
            totals: Totals::default(),
            databases: BTreeMap::new(),
            types: BTreeMap::new(),
            by_bytes: Top::new(opts.top),
            by_elements: Top::new(opts.top),
            prefixes: PrefixTable::new(&opts.separators, opts.depth, opts.prefix_limit),
            ttl: TtlBuckets::default(),
            field_ttl: FieldTtl::default(),
            expired: Vec::new(),
        }
    }

    pub fn finish(self, source: Source, summary: &RdbSummary) -> Analysis {
        let mut types: Vec<TypeTotals> = self
            .types
            .into_iter()
            .map(
                |((t, string_encoding), (keys, bytes, elements))| TypeTotals {
                    type_name: t.type_name(),
                    encoding: string_encoding.unwrap_or(t.encoding()),
                    keys,
                    bytes,
                    elements,
                },
            )
            .collect();
        types.sort_by(|a, b| b.bytes.cmp(&a.bytes).then(a.type_name.cmp(b.type_name)));
        Analysis {
            format: super::JSON_FORMAT,
            source,
            rdb: RdbFacts::new(summary),
            now_ms: self.now_ms,
            totals: self.totals,
            databases: db_list(self.databases),
            types,
            top_by_bytes: self.by_bytes.into_rows(),
            top_by_elements: self.by_elements.into_rows(),
            prefixes: self.prefixes.tree(),
            ttl: self.ttl,
            hash_field_ttl: self.field_ttl,
            expired_keys: self.expired,
        }
    }
}

fn encoding_of(k: &KeyInfo<'_>) -> &'static str {
    k.value.string_encoding.unwrap_or(k.value_type.encoding())
}

impl Visitor for Collector {
    const DETAILS: bool = true;

    fn key(&mut self, k: &KeyInfo<'_>) {
        let bucket = ttl::bucket(k.expire_ms, self.now_ms);
        let expired = bucket == ttl::EXPIRED;
        for t in [&mut self.totals, self.databases.entry(k.db).or_default()] {
            t.keys += 1;
            t.bytes += k.bytes;
            t.expires += u64::from(k.expire_ms.is_some());
            t.expired += u64::from(expired);
        }
        let ty = self
            .types
            .entry((k.value_type, k.value.string_encoding))
            .or_default();
        ty.0 += 1;
        ty.1 += k.bytes;
        ty.2 += k.value.elements.unwrap_or(0);
        self.ttl.0[bucket] += 1;
        self.prefixes.add(k.key, k.bytes, bucket);

        let v = &k.value;
        if !v.field_expires.is_empty() || v.min_field_expire_ms.is_some() {
            self.field_ttl.keys += 1;
            if v.field_expires_complete {
                for &at in v.field_expires {
                    self.field_ttl.fields.0[ttl::bucket(Some(at), self.now_ms)] += 1;
                }
            } else {
                self.field_ttl.incomplete_keys += 1;
                self.field_ttl.fields.0[ttl::bucket(v.min_field_expire_ms, self.now_ms)] += 1;
            }
        }

        if self.by_bytes.admits(k.bytes) {
            self.by_bytes.push(k.bytes, KeyRow::new(k, encoding_of(k)));
        }
        if let Some(n) = v.elements
            && self.by_elements.admits(n)
        {
            self.by_elements.push(n, KeyRow::new(k, encoding_of(k)));
        }
        if expired && self.expired.len() < self.top_n {
            self.expired.push(KeyRow::new(k, encoding_of(k)));
        }
    }
}
