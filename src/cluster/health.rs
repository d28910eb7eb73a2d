//! Whether a cluster is healthy enough to change the next node: every node answers and says
//! `cluster_state:ok`, no view flags a node `fail` or `fail?`, no node is loading, and every
//! replica's master link is up. `harden apply` asks this before it starts and after each
//! node; it is a pure function over what the nodes answered ([`Probe`]), so the same rule
//! holds for discovery's probes and for the executor's own connections.

use super::discover::Probe;

/// What is wrong, one sentence per problem; empty when the cluster is healthy.
pub fn problems<'a>(probes: impl IntoIterator<Item = (&'a str, &'a Probe)>) -> Vec<String> {
    let mut out = Vec::new();
    for (address, p) in probes {
        let state = p.cluster_info.get("cluster_state").unwrap_or("unknown");
        if state != "ok" {
            out.push(format!("{address} says cluster_state:{state}"));
        }
        if p.info.flag("loading") == Some(true) {
            out.push(format!("{address} is loading its dataset"));
        }
        for n in p.nodes.iter().filter(|n| n.failed() || n.pfail()) {
            out.push(format!(
                "{address} flags {} ({}) {}",
                n.address(),
                &n.id[..n.id.len().min(8)],
                if n.failed() { "fail" } else { "fail?" }
            ));
        }
        let replica = p.info.get("role") == Some("slave");
        let link = p.info.get("master_link_status").unwrap_or("unknown");
        if replica && link != "up" {
            out.push(format!("replica {address}: master_link_status:{link}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probe(info: &str, cluster_info: &str, nodes: &str) -> Probe {
        Probe::from_text(info, cluster_info, nodes)
    }

    const ME: &str = "bd7c44643666bccd35a6bc98ec535f1a0d11d225 127.0.0.1:7000@17000 \
                      myself,master - 0 0 1 connected 0-16383\n";

    #[test]
    fn a_healthy_node_has_no_problem_and_each_fault_is_named() {
        let ok = probe("role:master\r\n", "cluster_state:ok\r\n", ME);
        assert!(problems([("a:1", &ok)]).is_empty());
        let peer = "880ac5c515ec1bf00adb86c01488158bae875d24 127.0.0.1:7001@17001 \
                    slave,fail? bd7c44643666bccd35a6bc98ec535f1a0d11d225 0 0 1 connected\n";
        let bad = probe(
            "role:slave\r\nmaster_link_status:down\r\nloading:1\r\n",
            "cluster_state:fail\r\n",
            &format!("{ME}{peer}"),
        );
        assert_eq!(
            problems([("a:1", &ok), ("b:2", &bad)]),
            [
                "b:2 says cluster_state:fail",
                "b:2 is loading its dataset",
                "b:2 flags 127.0.0.1:7001 (880ac5c5) fail?",
                "replica b:2: master_link_status:down",
            ]
        );
    }
}
