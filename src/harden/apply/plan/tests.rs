//! The planner's ordering rules, one test each.

use super::*;
use crate::harden::apply::roles::roles;
use crate::harden::checks;
use crate::harden::checks::fixtures::{self, open_default, put_user, set, user};
use crate::harden::facts::NodeFacts;
use crate::harden::facts::{FileFacts, HostFacts};
use std::collections::BTreeMap;

fn opts() -> PlanOptions {
    PlanOptions {
        admin_user: "admin".into(),
        default_user: DefaultUser::Disable,
        app_scripting: false,
        bind: None,
        rename: vec![],
        edit_config_file: false,
        restart: false,
        only: vec![],
        skip: vec![],
        connected_via: "127.0.0.1".into(),
        acl_forms: BTreeMap::new(),
    }
}

fn hashes() -> BTreeMap<String, String> {
    roles("admin", false)
        .into_iter()
        .map(|r| (r.user.clone(), format!("h-{}", r.user)))
        .collect()
}

fn weak() -> NodeFacts {
    let mut n = fixtures::server();
    open_default(&mut n);
    put_user(&mut n, user("default", "on nopass ~* &* +@all"));
    n.users.as_mut().unwrap().retain(|u| u.name == "default");
    set(&mut n, "protected-mode", "no");
    set(&mut n, "bind", "* -::*");
    set(&mut n, "enable-debug-command", "yes");
    n.host = Some(HostFacts {
        config_file: Some(FileFacts {
            path: "/etc/redis/redis.conf".into(),
            mode: Some(0o644),
            uid: Some(0),
            holds_secrets: Some(false),
            error: None,
        }),
        acl_file: None,
        data_dir: None,
        data_files: vec![],
        process: None,
        tls_cert: None,
        file_directives: Default::default(),
        config_users: None,
        aclfile_users: None,
    });
    n
}

fn actions(p: &Plan) -> Vec<String> {
    p.steps.iter().map(|s| s.action.to_string()).collect()
}

#[test]
fn weak_server_adds_before_it_takes_away() {
    let facts = fixtures::audit(vec![weak()]);
    let p = plan(&facts, &opts(), &hashes(), &["admin.password".into()]).unwrap();
    let a = actions(&p);
    let pos = |prefix: &str| a.iter().position(|s| s.starts_with(prefix)).unwrap();
    assert!(a[0].starts_with("write to the secrets directory"));
    assert!(pos("ACL SETUSER admin on") < pos("verify: a fresh connection logs in as admin"));
    assert!(
        a.iter()
            .any(|s| s.ends_with("+@all #<sha256 of its password>")),
        "{a:?}"
    );
    assert!(pos("verify: a fresh connection logs in as admin") < pos("redisops continues"));
    assert!(pos("redisops continues") < pos("ACL SETUSER default reset"));
    assert!(pos("ACL SETUSER default reset") < pos("CONFIG REWRITE"));
    assert!(pos("CONFIG REWRITE") < pos("chmod 600"));
    assert!(a.iter().any(|s| s.contains("protected-mode yes")));
    assert!(a.iter().any(|s| s.contains("enable-debug-command no")));
    assert_eq!(
        a.last().unwrap(),
        "verify: a connection without credentials is refused"
    );
    // No restart asked: CMD-01 is fixed in the file and waits for a restart.
    assert!(
        p.left.iter().any(|l| l.starts_with("CMD-01")),
        "{:?}",
        p.left
    );
    // Secrets never appear: only hashes' placeholders and <password of …>.
    assert!(p.render().contains("masterauth <password of replication>"));
    assert!(!p.render().contains("h-admin"));
}

#[test]
fn hardened_server_plans_nothing() {
    let mut n = fixtures::server();
    let h = hashes();
    for role in roles("admin", false)
        .into_iter()
        .filter(|r| r.on(false, false))
    {
        let mut u = user(
            &role.user,
            &format!("on {} {} {}", role.keys, role.channels, role.commands),
        );
        u.channels = u.channels.replace("resetchannels", "").trim().to_string();
        u.password_hashes = vec![h[&role.user].clone()];
        put_user(&mut n, u);
    }
    set(&mut n, "masteruser", "replication");
    n.secrets.insert(
        "masterauth".into(),
        crate::harden::facts::SecretFacts {
            length: 64,
            sha256: h["replication"].clone(),
        },
    );
    let facts = fixtures::audit(vec![n]);
    let p = plan(&facts, &opts(), &h, &[]).unwrap();
    assert!(p.is_empty() && p.steps.is_empty(), "{}", p.render());
}

#[test]
fn only_and_skip_select_by_check_id() {
    let facts = fixtures::audit(vec![weak()]);
    let mut o = opts();
    o.only = vec!["NET-02".into()];
    let p = plan(&facts, &o, &hashes(), &[]).unwrap();
    let a = actions(&p);
    assert!(
        a.iter().any(|s| s == "CONFIG SET protected-mode yes"),
        "{a:?}"
    );
    assert!(!a.iter().any(|s| s.contains("SETUSER")), "{a:?}");
    let mut o = opts();
    o.skip = vec!["DOS-01".into()];
    let p = plan(&facts, &o, &hashes(), &[]).unwrap();
    assert!(!actions(&p).iter().any(|s| s.contains("maxmemory-clients")));
    assert!(
        p.left
            .iter()
            .any(|l| l.starts_with("DOS-01") && l.ends_with("not selected"))
    );
}

#[test]
fn bind_that_would_cut_off_redisops_is_refused() {
    let facts = fixtures::audit(vec![weak()]);
    let mut o = opts();
    o.bind = Some(vec!["10.0.0.5".into()]);
    let err = plan(&facts, &o, &hashes(), &[]).unwrap_err();
    assert!(err.0.contains("would close the address"), "{}", err.0);
    o.bind = Some(vec!["10.0.0.5".into(), "127.0.0.1".into()]);
    let p = plan(&facts, &o, &hashes(), &[]).unwrap();
    assert!(
        actions(&p)
            .iter()
            .any(|s| s.contains("bind \"10.0.0.5 127.0.0.1\""))
    );
}

#[test]
fn no_config_file_is_refused() {
    let mut n = weak();
    n.info.insert("config_file".into(), String::new());
    let err = plan(&fixtures::audit(vec![n]), &opts(), &hashes(), &[]).unwrap_err();
    assert!(err.0.contains("without a config file"));
}

#[test]
fn clients_on_the_default_user_are_a_warning_not_a_refusal() {
    let mut n = weak();
    n.default_clients = Some(vec!["10.0.0.7:5000".into()]);
    let p = plan(&fixtures::audit(vec![n.clone()]), &opts(), &hashes(), &[]).unwrap();
    assert!(p.warnings[0].contains("1 client(s) logged in as the default user (10.0.0.7:5000)"));
    assert!(p.render().contains("warning: "));
    let mut o = opts();
    o.default_user = DefaultUser::Keep;
    let p = plan(&fixtures::audit(vec![n]), &o, &hashes(), &[]).unwrap();
    assert!(p.warnings.is_empty());
    assert!(!actions(&p).iter().any(|a| a.contains("SETUSER default")));
    assert!(
        !actions(&p)
            .iter()
            .any(|a| a.contains("without credentials"))
    );
}

#[test]
fn taking_over_an_existing_user_is_a_warning() {
    let mut n = weak();
    put_user(
        &mut n,
        user("backup", "on >their-own-long-password ~* +@all"),
    );
    let p = plan(&fixtures::audit(vec![n]), &opts(), &hashes(), &[]).unwrap();
    assert!(
        p.warnings
            .iter()
            .any(|w| w.contains("the existing user 'backup' (+@all ~*)")),
        "{:?}",
        p.warnings
    );
}

#[test]
fn restrict_needs_a_password_to_keep() {
    let mut o = opts();
    o.default_user = DefaultUser::Restrict;
    let err = plan(&fixtures::audit(vec![weak()]), &o, &hashes(), &[]).unwrap_err();
    assert!(err.0.contains("nopass"));
}

#[test]
fn rename_commands_edit_the_file_then_restart() {
    let mut o = opts();
    o.rename = vec![("FLUSHALL".into(), "FLUSHALL_x1".into())];
    o.restart = true;
    let p = plan(&fixtures::audit(vec![weak()]), &o, &hashes(), &[]).unwrap();
    let a = actions(&p);
    let edit = a
        .iter()
        .position(|s| s.contains("rename-command FLUSHALL <new name"));
    let restart = a.iter().position(|s| s.starts_with("restart"));
    let rewrite = a.iter().position(|s| s == "CONFIG REWRITE");
    assert!(rewrite < edit && edit < restart, "{a:?}");
    assert!(
        !p.left.iter().any(|l| l.starts_with("CMD-01")),
        "{:?}",
        p.left
    );
}

#[test]
fn commands_redisops_needs_are_not_renamed() {
    let mut o = opts();
    o.rename = vec![("config".into(), "C1".into())];
    let err = plan(&fixtures::audit(vec![weak()]), &o, &hashes(), &[]).unwrap_err();
    assert!(err.0.contains("config cannot be renamed"), "{}", err.0);
}

#[test]
fn sentinel_group_is_wired_before_it_is_tightened() {
    let mut master = weak();
    master.host = None;
    let mut replica = weak();
    replica.host = None;
    replica.address = "127.0.0.1:6380".into();
    replica.role = "slave".into();
    let mut s1 = fixtures::sentinel("127.0.0.1:26379");
    put_user(&mut s1, user("default", "on nopass ~* &* +@all"));
    s1.users.as_mut().unwrap().retain(|u| u.name == "default");
    let mut facts = fixtures::audit(vec![master, replica, s1]);
    facts.group = Some(crate::harden::facts::GroupFacts {
        master_name: "main".into(),
        master: "127.0.0.1:6379".into(),
    });
    let p = plan(&facts, &opts(), &hashes(), &[]).unwrap();
    let on = |node: &str, prefix: &str| {
        p.steps
            .iter()
            .position(|s| s.node == node && s.action.to_string().starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} on {node}:\n{}", p.render()))
    };
    let (m, r, s) = ("127.0.0.1:6379", "127.0.0.1:6380", "127.0.0.1:26379");
    assert!(on(r, "CONFIG SET masteruser") < on(r, "CLIENT KILL TYPE master"));
    assert!(on(s, "SENTINEL SET main auth-user sentinel") < on(r, "ACL SETUSER default"));
    assert!(on(r, "ACL SETUSER default") < on(m, "ACL SETUSER default"));
    assert!(on(m, "ACL SETUSER default") < on(s, "ACL SETUSER default"));
    assert!(on(s, "ACL SETUSER default") < on(s, "SENTINEL FLUSHCONFIG"));
    assert!(on(m, "ACL SETUSER sentinel") < on(s, "SENTINEL SET"));
    // Sentinels get the admin, a discovery user for clients and their peer user.
    let on_sentinel: Vec<String> = p
        .steps
        .iter()
        .filter(|st| st.node == s)
        .filter_map(|st| match &st.action {
            Action::SetUser { user, .. } => Some(user.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(on_sentinel, ["admin", "app", "sentinel-peer"]);
    assert!(
        on(s, "SENTINEL CONFIG SET sentinel-user sentinel-peer") < on(s, "ACL SETUSER default")
    );
    assert!(on(r, "check: every server shows all 1 Sentinels") < on(r, "ACL SETUSER default"));
    let mut o = opts();
    o.restart = true;
    assert!(plan(&facts, &o, &hashes(), &[]).is_err());
}

#[test]
fn every_check_id_the_planner_names_is_in_the_catalogue() {
    let sources: [&'static str; 5] = [
        include_str!("planner/mod.rs"),
        include_str!("planner/access.rs"),
        include_str!("planner/settings.rs"),
        include_str!("planner/persist.rs"),
        include_str!("planner/file_only.rs"),
    ];
    let named: Vec<&str> = sources
        .into_iter()
        .flat_map(|source| source.split("CheckId(\"").skip(1))
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(named.len() > 20, "{named:?}");
    for id in named {
        assert!(
            crate::harden::checks::CheckId(id).known(),
            "the planner names {id}, which is not in the catalogue"
        );
    }
}

#[test]
fn a_pending_file_fix_is_not_listed_as_drift() {
    // An earlier run wrote enable-debug-command no; the restart is still to come.
    let mut n = weak();
    let host = n.host.as_mut().unwrap();
    host.file_directives
        .insert("enable-debug-command".into(), "no".into());
    let facts = fixtures::audit(vec![n]);
    let reports = checks::evaluate(&facts);
    assert!(
        reports[0].findings.iter().any(|f| f.id == "PERS-04"),
        "the audit sees the drift"
    );
    let p = plan(&facts, &opts(), &hashes(), &["admin.password".into()]).unwrap();
    assert!(
        p.left
            .iter()
            .any(|l| l.starts_with("CMD-01") && l.contains("next restart")),
        "{:?}",
        p.left
    );
    assert!(
        !p.left.iter().any(|l| l.starts_with("PERS-04")),
        "{:?}",
        p.left
    );
}
