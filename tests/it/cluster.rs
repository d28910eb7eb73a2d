//! Redis Cluster: `status` of a cluster (healthy, a master down, a slot migrating, TLS) and
//! the refusals of commands that would treat a cluster node as a standalone server.

use crate::harness::{Cluster, redisops};

#[test]
fn harness_forms_a_cluster() {
    let cluster = Cluster::start();
    cluster.write_keys(10);
    println!("{}", cluster.masters[0].cli(&["CLUSTER", "NODES"]));
    println!("{}", cluster.replicas[0].cli(&["CLUSTER", "NODES"]));
    let _ = redisops(["--version"]);
}
