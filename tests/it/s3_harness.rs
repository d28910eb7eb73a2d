//! The S3 test server guard (harness/s3.rs) itself: moto starts, serves the helpers over
//! HTTP and HTTPS, keeps incomplete multipart uploads, versions and Object Lock, and enforces
//! IAM once authentication is armed. Each test starts its own server.

use crate::harness::s3::{BucketOptions, Credentials, encode_query};
use crate::harness::{MotoOptions, MotoServer, TlsFixture};
use std::sync::Arc;

const READER: &[&str] = &["s3:GetObject", "s3:ListBucket"];

#[test]
fn s3_harness_put_get_list_and_kill() {
    let mut moto = MotoServer::start();
    assert!(moto.endpoint().starts_with("http://127.0.0.1:"));
    assert!(moto.log_file.starts_with(moto.dir()));
    moto.create_bucket("harness");
    // An unsigned PUT works while authentication is off, but an unsigned GET of an existing
    // (private) object is refused as anonymous: the helpers always sign.
    let r = moto.request_as(None, "PUT", "/harness/anon", &[], b"a");
    assert_eq!(r.status, 200, "{}", r.text());
    let r = moto.request_as(None, "GET", "/harness/anon", &[], b"");
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        moto.get_object("harness", "anon").as_deref(),
        Some(&b"a"[..])
    );
    moto.put_object("harness", "p/one", b"hello moto");
    moto.put_object("harness", "p/sub dir/two+x", b"");
    moto.put_object("harness", "q/three", b"3");
    assert_eq!(
        moto.get_object("harness", "p/one").as_deref(),
        Some(&b"hello moto"[..])
    );
    assert_eq!(
        moto.get_object("harness", "p/sub dir/two+x").as_deref(),
        Some(&b""[..])
    );
    assert_eq!(moto.get_object("harness", "p/none"), None);
    assert_eq!(
        moto.list_keys("harness", "p/"),
        ["p/one", "p/sub dir/two+x"]
    );
    assert_eq!(
        moto.list_keys("harness", ""),
        ["anon", "p/one", "p/sub dir/two+x", "q/three"]
    );
    // put_object sends the SHA-256 checksum an Object Lock bucket needs (moto keeps it).
    let head = moto.request(
        "HEAD",
        "/harness/p/one",
        &[("x-amz-checksum-mode", "ENABLED")],
        b"",
    );
    assert_eq!(
        head.header("x-amz-checksum-sha256"),
        Some("Wmshd5uLqORHsO/d3AAbgKQGzAMZEvn1+Z/Yagv+X7Y=")
    );
    let missing = moto.request("GET", "/nosuch/key", &[], b"");
    assert_eq!(
        (missing.status, missing.error_code().as_deref()),
        (404, Some("NoSuchBucket"))
    );

    let port = moto.port;
    moto.kill();
    assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn s3_harness_incomplete_multipart_upload_is_listed() {
    let moto = MotoServer::with(MotoOptions {
        part_min_size: Some(1024),
        ..Default::default()
    });
    moto.create_bucket("uploads");
    let left = moto.create_multipart_upload("uploads", "repo/a/archive");
    upload_part(&moto, "uploads", "repo/a/archive", &left, 1, &[7; 1024]);
    let _other = moto.create_multipart_upload("uploads", "elsewhere/x");
    assert_eq!(
        moto.list_uploads("uploads", "repo/"),
        [("repo/a/archive".to_string(), left.clone())]
    );
    assert_eq!(moto.list_uploads("uploads", "repo/b/"), []);
    assert!(moto.list_keys("uploads", "repo/").is_empty());

    // With part_min_size, 1 KiB parts complete (moto's default minimum is 5 MiB).
    let id = moto.create_multipart_upload("uploads", "repo/done");
    let e1 = upload_part(&moto, "uploads", "repo/done", &id, 1, &[1; 1024]);
    let e2 = upload_part(&moto, "uploads", "repo/done", &id, 2, b"tail");
    let done = complete(&moto, "uploads", "repo/done", &id, &[e1, e2]);
    assert_eq!(done.status, 200, "{}", done.text());
    let mut want = vec![1; 1024];
    want.extend_from_slice(b"tail");
    assert_eq!(moto.get_object("uploads", "repo/done"), Some(want));
    assert_eq!(moto.list_uploads("uploads", "repo/").len(), 1);
}

#[test]
fn s3_harness_part_min_size_defaults_to_5_mib() {
    let moto = MotoServer::start();
    moto.create_bucket("small");
    let id = moto.create_multipart_upload("small", "k");
    let e1 = upload_part(&moto, "small", "k", &id, 1, &[1; 1024]);
    let e2 = upload_part(&moto, "small", "k", &id, 2, b"tail");
    let r = complete(&moto, "small", "k", &id, &[e1, e2]);
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (400, Some("EntityTooSmall"))
    );
}

#[test]
fn s3_harness_versioning_and_object_lock() {
    let moto = MotoServer::start();
    moto.create_bucket_with(
        "versioned",
        BucketOptions {
            versioning: true,
            ..Default::default()
        },
    );
    moto.put_object("versioned", "k", b"v1");
    moto.put_object("versioned", "k", b"v2");
    let versions = moto.list_versions("versioned", "k");
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(versions.iter().filter(|v| v.is_latest).count(), 1);
    assert!(versions.iter().all(|v| v.key == "k" && !v.delete_marker));

    moto.create_bucket_with(
        "locked",
        BucketOptions {
            object_lock_governance_days: Some(1),
            ..Default::default()
        },
    );
    moto.put_object("locked", "archive", b"data");
    let version = moto.list_versions("locked", "")[0].version_id.clone();
    // A plain delete only adds a delete marker; deleting the version is refused.
    let r = moto.request("DELETE", "/locked/archive", &[], b"");
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(moto.get_object("locked", "archive"), None);
    let versions = moto.list_versions("locked", "");
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert!(versions.iter().any(|v| v.delete_marker && v.is_latest));
    let r = moto.request(
        "DELETE",
        &format!("/locked/archive?versionId={}", encode_query(&version)),
        &[],
        b"",
    );
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (403, Some("AccessDenied")),
        "{}",
        r.text()
    );
}

#[test]
fn s3_harness_tls_with_the_fixture_ca() {
    let fx = Arc::new(TlsFixture::new());
    let moto = MotoServer::with(MotoOptions {
        tls: Some(fx.clone()),
        ..Default::default()
    });
    assert!(moto.endpoint().starts_with("https://127.0.0.1:"));
    // The helpers go over HTTPS, trusting the fixture's CA.
    moto.create_bucket("secure");
    moto.put_object("secure", "k", b"over tls");
    assert_eq!(
        moto.get_object("secure", "k").as_deref(),
        Some(&b"over tls"[..])
    );
    assert_eq!(moto.https_get_root_with_ca(&fx.ca).unwrap().status, 200);
    let err = moto.https_get_root_with_ca(&fx.other_ca).unwrap_err();
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
}

#[test]
fn s3_harness_iam_enforced_after_the_free_requests() {
    // create_bucket 1 + put_object 1 + create_user 3.
    let mut moto = MotoServer::with(MotoOptions {
        auth_free_requests: Some(5),
        ..Default::default()
    });
    moto.create_bucket("iam");
    moto.put_object("iam", "p/k", b"secret data");
    let reader = moto.create_user("reader", READER);
    assert!(reader.access_key_id.starts_with("AKIA"), "{reader:?}");

    let get = |creds: Option<&Credentials>| moto.request_as(creds, "GET", "/iam/p/k", &[], b"");
    let r = get(Some(&reader));
    assert_eq!((r.status, r.body.as_slice()), (200, &b"secret data"[..]));
    let r = moto.request_as(
        Some(&reader),
        "GET",
        "/iam?list-type=2&prefix=p%2F",
        &[],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());

    let r = moto.request_as(Some(&reader), "PUT", "/iam/p/new", &[], b"x");
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (403, Some("AccessDenied")),
        "{}",
        r.text()
    );
    let r = get(Some(&Credentials::default_keys()));
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (403, Some("InvalidAccessKeyId")),
        "{}",
        r.text()
    );
    let wrong_secret = Credentials {
        secret_access_key: "wrong".into(),
        ..reader.clone()
    };
    let r = get(Some(&wrong_secret));
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (403, Some("SignatureDoesNotMatch")),
        "{}",
        r.text()
    );
    // Unsigned: a write fails with moto's 500 (it reads the missing Authorization header);
    // a read is refused as anonymous (403, empty body) as it is with authentication off.
    let r = moto.request_as(None, "PUT", "/iam/p/x", &[], b"x");
    assert_eq!(r.status, 500, "{}", r.text());
    let r = get(None);
    assert_eq!((r.status, r.body.len()), (403, 0), "{}", r.text());
    // The helpers work on for a user the policy allows.
    moto.use_credentials(reader);
    assert_eq!(moto.list_keys("iam", ""), ["p/k"]);
    assert_eq!(
        moto.get_object("iam", "p/k").as_deref(),
        Some(&b"secret data"[..])
    );
}

#[test]
fn s3_harness_arm_auth_now() {
    let moto = MotoServer::start();
    moto.create_bucket("armed");
    let writer = moto.create_user("writer", &["s3:PutObject", "s3:GetObject"]);
    let r = moto.request_as(None, "PUT", "/armed/before", &[], b"x");
    assert_eq!(r.status, 200, "{}", r.text());
    moto.arm_auth();
    let r = moto.request("PUT", "/armed/k", &[], b"x");
    assert_eq!(
        (r.status, r.error_code().as_deref()),
        (403, Some("InvalidAccessKeyId")),
        "{}",
        r.text()
    );
    let r = moto.request_as(Some(&writer), "PUT", "/armed/k", &[], b"x");
    assert_eq!(r.status, 200, "{}", r.text());
    let r = moto.request_as(Some(&writer), "GET", "/armed/k", &[], b"");
    assert_eq!((r.status, r.body.as_slice()), (200, &b"x"[..]));
}

/// UploadPart; the part's ETag.
fn upload_part(
    moto: &MotoServer,
    bucket: &str,
    key: &str,
    id: &str,
    n: u32,
    data: &[u8],
) -> String {
    let r = moto.request(
        "PUT",
        &format!(
            "/{bucket}/{key}?partNumber={n}&uploadId={}",
            encode_query(id)
        ),
        &[],
        data,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    r.header("etag").expect("ETag").to_string()
}

fn complete(
    moto: &MotoServer,
    bucket: &str,
    key: &str,
    id: &str,
    etags: &[String],
) -> crate::harness::s3::Response {
    let parts: String = etags
        .iter()
        .enumerate()
        .map(|(i, e)| {
            format!(
                "<Part><PartNumber>{}</PartNumber><ETag>{e}</ETag></Part>",
                i + 1
            )
        })
        .collect();
    let body = format!("<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>");
    moto.request(
        "POST",
        &format!("/{bucket}/{key}?uploadId={}", encode_query(id)),
        &[],
        body.as_bytes(),
    )
}
