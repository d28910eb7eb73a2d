# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_redisops_global_optspecs
    string join \n help config= q/quiet target= h/host= p/port= s/socket= user= a/pass= password-file= tls cacert= cert= key= sni= insecure sentinel-user= sentinel-password-file= timeout= V/version
end

function __fish_redisops_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_redisops_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_redisops_using_subcommand
    set -l cmd (__fish_redisops_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c redisops -n "__fish_redisops_needs_command" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_needs_command" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_needs_command" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_needs_command" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_needs_command" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_needs_command" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_needs_command" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_needs_command" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_needs_command" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_needs_command" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_needs_command" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_needs_command" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_needs_command" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_needs_command" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_needs_command" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_needs_command" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_needs_command" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_needs_command" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_needs_command" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_needs_command" -s V -l version -d 'Print version'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "status" -d 'Show server, persistence, memory, keyspace and replication state in one screen'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "backup" -d 'Back up: get the RDB, verify it, compress and encrypt it into the repository'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "list" -d 'List the backups in the repository'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "verify" -d 'Verify backups against their manifests (and, with keys, the RDB inside)'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "analyze" -d 'What is inside a backup, RDB file or live server: totals, top keys, prefixes, TTLs'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "diff" -d 'What changed between two backups or RDB files, per database, prefix and top key'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "copy" -d 'Copy backups into another repository (off-site, 3-2-1), skipping those it has'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "restore" -d 'Restore a backup: verify and stage it, stop the server, swap the files, start, prove, roll back on failure'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "prune" -d 'Delete old backups by keep rules, with a reason for every kept one'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "keygen" -d 'Generate an age key pair for encrypting backups'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "schedule" -d 'Print a crontab line or systemd timer for a redisops command'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "harden" -d 'Audit a server and its Sentinels against a catalogue of hardening checks, and fix what it finds'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "tls" -d 'Certificates and moving a live server to TLS: init, enable, rotate, check'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "generate" -d 'Write completions/ and man/ (used by packagers and the repository\'s own files)'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c redisops -n "__fish_redisops_using_subcommand status" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand status" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand status" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand status" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand status" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand status" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand status" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand status" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand status" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand status" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand status" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand status" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand status" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand status" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand status" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand status" -l json -d 'Print one JSON object instead of text'
complete -c redisops -n "__fish_redisops_using_subcommand status" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand status" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand status" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand status" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l method -d 'How to get the RDB [default: auto, or [backup] method in the config]' -r -f -a "auto\t'BGSAVE when the server\'s dump file is readable on this host, else sync'
bgsave\t'BGSAVE, then read the server\'s dump file (needs access to its data directory)'
sync\t'Stream the RDB over the replication protocol (like redis-cli --rdb)'"
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l from -d 'With a Sentinel or cluster target: back up from the master or a healthy replica (per shard for a cluster) [default: prefer-replica]' -r -f -a "master\t'The master'
replica\t'A healthy replica, or fail'
prefer-replica\t'A healthy replica, else the master'"
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l compression -d 'Compression: gzip (standard gzip: gunzip reads it) or zstd [default: gzip, or [backup] compression]' -r -f -a "gzip\t'Standard gzip (gunzip, pigz -d, zcat read it), compressed in parallel blocks'
zstd\t'zstd (multi-threaded; `zstd -d` reads it): faster at a smaller size, needs the zstd tool'"
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l level -d 'Compression level: gzip 1 (fast) to 9 (small), zstd 1 to 19 [default: 3]' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l threads -d 'Compression threads, 1 to 32 [default: one per core up to 32, or [backup] threads]' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l save-timeout -d 'Seconds to wait for the server to produce the RDB (BGSAVE or the start of SYNC)' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l repo -d 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l recipient -d 'Encrypt to this age recipient (public key age1…); repeatable' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l recipients-file -d 'Encrypt to the recipients in FILE (age format: one per line, # comments); repeatable' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l passphrase-file -d 'Encrypt with the passphrase in FILE (age scrypt) instead of public keys' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l lock-wait -d 'Seconds to wait for another run\'s lock on this target before giving up' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l keep-last -d 'Keep the N most recent backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l keep-hourly -d 'Keep the newest backup of each of the last N hours that have backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l keep-daily -d 'Keep the newest backup of each of the last N days that have backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l keep-weekly -d 'Keep the newest backup of each of the last N ISO weeks that have backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l keep-monthly -d 'Keep the newest backup of each of the last N months that have backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l keep-yearly -d 'Keep the newest backup of each of the last N years that have backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l keep-within -d 'Keep all backups newer than DURATION, e.g. 30d, 2w, 6mo, 1y, 12h, 90min (units y mo w d h min)' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l keep-safety-within -d 'Keep safety backups (taken by restore) newer than DURATION; they never fill the slots of the other rules [default: 7d]' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l schedule -d 'Stay in the foreground and back up on this crontab schedule ("0 3 * * *", @daily)' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l metrics-file -d 'Write Prometheus textfile-collector metrics to FILE (atomically)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l copy-to -d 'After the backup (and its prune), copy it into this second repository too (created when missing or empty) [default: [backup] copy_to]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l parallel -d 'Cluster: back up up to N shards at a time' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l forks-per-host -d 'Cluster: with --parallel, at most N shards at a time whose source node is on one host (each is a fork with its copy-on-write memory there)' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l cut-pause-timeout -d 'Cluster: with --consistent-cut, the longest write pause: the servers end it by themselves after it, and a cut whose forks did not all start within it fails' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l no-encrypt -d 'Store the archive unencrypted (anyone who can read the repository can read the data)'
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l scheduled -d 'Record the backup as scheduled, not manual (the lines `redisops schedule` prints add it)'
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l json -d 'Print one JSON object with the result instead of text'
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l allow-partial -d 'Cluster: when some slots have no owner, back up the shards of the owned slots (the set is marked partial) instead of refusing'
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l consistent-cut -d 'Cluster: pause writes on every master (CLIENT PAUSE WRITE) while every shard\'s fork starts, so that all shards are one instant; all shards are then captured at once'
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand backup" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand backup" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand list" -l repo -d 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand list" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand list" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand list" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand list" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand list" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand list" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand list" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand list" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand list" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand list" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand list" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand list" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand list" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand list" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand list" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand list" -l json -d 'Print a JSON array of manifests (with their locations) instead of a table'
complete -c redisops -n "__fish_redisops_using_subcommand list" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand list" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand list" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand list" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l file -d 'Verify a dump from any tool, without a repository: .rdb, .rdb.gz, .rdb.zst, or any of them in age' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l repo -d 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -s i -l identity -d 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l passphrase-file -d 'Passphrase file, for archives encrypted with --passphrase-file' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand verify" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand verify" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand verify" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand verify" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l latest -d 'Verify the newest backup of the target (of each target without --target); safety backups taken by restore are skipped'
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l include-safety -d 'With --latest: count the safety backups restore takes of the data it replaces'
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l all -d 'Verify every backup (of the target, or of the whole repository)'
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l deep -d 'Also run redis-check-rdb or valkey-check-rdb (one on PATH at least as new as the file) on the decrypted RDB (streamed through a pipe; needs keys)'
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l json -d 'Print the reports as JSON'
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand verify" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand verify" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l file -d 'Analyze this file: a plain .rdb, .rdb.gz, .rdb.zst, or any of them in age, made by any tool' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l repo -d 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -s i -l identity -d 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l passphrase-file -d 'Passphrase file, for archives encrypted with --passphrase-file' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l top -d 'Length of the top-keys lists' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l separators -d 'Characters that end a key prefix' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l depth -d 'Prefix levels to report' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l html -d 'Also write the report as one self-contained HTML page to FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l latest -d 'Analyze the target\'s newest backup in the repository; safety backups taken by restore are skipped'
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l include-safety -d 'With --latest: count the safety backups restore takes of the data it replaces'
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l live -d 'Analyze a fresh RDB streamed from the target over the replication protocol (stored nowhere)'
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l json -d 'Print the report as JSON (format in the README)'
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l csv -d 'Print every key as a CSV row (db,key,type,encoding,bytes,elements,expire_at) instead of the report'
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand analyze" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l repo -d 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -s i -l identity -d 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l passphrase-file -d 'Passphrase file, for archives encrypted with --passphrase-file' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l top -d 'Length of the top-keys lists' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l separators -d 'Characters that end a key prefix' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l depth -d 'Prefix levels to report' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l html -d 'Also write the comparison as one self-contained HTML page to FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l json -d 'Print the comparison as JSON (format in the README)'
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand diff" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand diff" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l from -d 'Source repository directory [default: [repository] path in the config file]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l to -d 'Destination repository directory (created when missing or empty)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l lock-wait -d 'Seconds to wait for another run\'s lock on a destination target before giving up' -r
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand copy" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand copy" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand copy" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand copy" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l latest -d 'Copy the newest backup (or backup set) of the target (of each target without --target)'
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l all -d 'Copy every backup and backup set (of the target, or of the whole repository)'
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l include-safety -d 'With --latest or --all: count the safety backups restore takes of the data it replaces'
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l dry-run -d 'Print what would be copied and skipped; write nothing'
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l json -d 'Print a JSON array with one object per backup instead of text'
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand copy" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand copy" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l file -d 'Restore this file: a plain .rdb, .rdb.gz, .rdb.age or .rdb.gz.age made by any tool' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l shard -d 'Cluster target: restore only this shard of the backup set: sNN, its slot ranges (5461-10922), or its master\'s node id (at least 8 characters)' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l repo -d 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -s i -l identity -d 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l passphrase-file -d 'Passphrase file, for archives encrypted with --passphrase-file' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l service -d 'The systemd unit that runs the server (stopped and started with systemctl)' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l stop-cmd -d 'Shell command that stops the server (docker stop, supervisorctl stop, …)' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l start-cmd -d 'Shell command that starts the server' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l config-file -d 'Without --service/--stop-cmd: the config file redisops starts redis-server with [default: the server\'s own config_file]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l journal -d 'With --resume/--abort while the server is down: the journal, <dir>/.redisops-restore.journal' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l latest -d 'Restore the target\'s newest backup in the repository (safety backups taken by restore are skipped); when the target\'s folder has none, the backups of the same server in another folder (same address, run id or replication id)'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l include-safety -d 'With --latest: count the safety backups restore takes of the data it replaces'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l into-new-cluster -d 'Cluster target: the URL names empty nodes (cluster-enabled yes, no nodes.conf), the set\'s masters first in shard order, then any replicas; they are formed into a new cluster with the set\'s slot ranges, then restored'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l dry-run -d 'Verify and stage the archive and print the plan, then stop without changing anything'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -s y -l yes -d 'Do not ask for confirmation (needed when there is no terminal)'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l no-safety-backup -d 'Skip the backup of the current data into the repository before the restore'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l allow-empty -d 'Restore a backup with no keys, or with under a tenth of the server\'s keys (--yes alone does not)'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l resume -d 'Finish a restore whose redisops was killed (reads its journal)'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l abort -d 'Roll back a restore whose redisops was killed (reads its journal)'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l discard-restored -d 'With --abort after the restored data was verified: roll back anyway, discarding the restored data and every write since'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l json -d 'Print one JSON object with the result instead of text'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand restore" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l lock-wait -d 'Seconds to wait for a running backup\'s lock' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l repo -d 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l keep-last -d 'Keep the N most recent backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l keep-hourly -d 'Keep the newest backup of each of the last N hours that have backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l keep-daily -d 'Keep the newest backup of each of the last N days that have backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l keep-weekly -d 'Keep the newest backup of each of the last N ISO weeks that have backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l keep-monthly -d 'Keep the newest backup of each of the last N months that have backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l keep-yearly -d 'Keep the newest backup of each of the last N years that have backups' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l keep-within -d 'Keep all backups newer than DURATION, e.g. 30d, 2w, 6mo, 1y, 12h, 90min (units y mo w d h min)' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l keep-safety-within -d 'Keep safety backups (taken by restore) newer than DURATION; they never fill the slots of the other rules [default: 7d]' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l dry-run -d 'Show what would be deleted, delete nothing'
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l json -d 'Print the decisions as JSON'
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand prune" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand prune" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -s o -l output -d 'Write the identity (private key) to FILE with mode 0600 instead of stdout; refuses to overwrite' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand keygen" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l cron -d 'When to run, as a 5-field crontab expression ("0 3 * * *") or @daily, @hourly, …' -r
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l emit -d 'What to print' -r -f -a "crontab\t'A line for crontab -e or /etc/cron.d'
systemd\t'A systemd service and timer pair'"
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l name -d 'Unit name for systemd (NAME.service and NAME.timer)' -r
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand schedule" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -f -a "audit" -d 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel; with a cluster target: every node) against the check catalogue'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -f -a "apply" -d 'Fix what the audit finds: role users with generated passwords, the default user, protected mode, bind, renamed commands; verified, persisted, idempotent'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -f -a "checks" -d 'List every check: ID, severity, category, title and remediation'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit apply checks help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l fail-on -d 'Exit 3 when a finding reaches this severity' -r -f -a "info\t''
low\t''
medium\t''
high\t''
critical\t''"
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l format -d 'Output format' -r -f -a "text\t''
json\t''
sarif\t''"
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l config-file -d 'The Redis server\'s own config file (redis.conf), for the host checks, when INFO\'s config_file is not usable here' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l admin-user -d 'A user allowed every right (+@all ~*); repeat for several' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l json -d 'Print JSON (same as --format json)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l show-facts -d 'Add the gathered facts (secrets redacted) to the JSON output under "facts"'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l secrets-dir -d 'Directory for the generated passwords (<user>.password, mode 0600) and renamed command names; existing files are reused, so every run and node gets the same ones' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l only -d 'Fix only these checks (IDs from `harden checks`, comma-separated or repeated)' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l skip -d 'Leave these checks alone' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l bind -d 'Addresses a single server listens on (CONFIG SET bind); must keep the one redisops connects through. A leading \'-\' marks an optional address, as in redis.conf' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l default-user -d 'What happens to the default user: disable it (no login at all), or restrict it to the application\'s rights while keeping its passwords (clients using requirepass)' -r -f -a "disable\t'`ACL SETUSER default reset`: off, no password, no rights'
restrict\t'Keep its passwords (clients using requirepass go on working) but take away the dangerous, admin and scripting commands'
keep\t'Leave it as it is: create and wire the users only, so clients can move to them before a later run closes the default user'"
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l rename-commands -d 'Also rename these commands in the config file (rename-command, effective after a restart): COMMAND or COMMAND=NEW-NAME, comma-separated; new names are random unless given and are written to <secrets-dir>/renamed-commands' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l config-file -d 'The server\'s config file, when INFO\'s config_file is not usable here' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l admin-user -d 'The administrator\'s user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l service -d 'The systemd unit that runs the server (stopped and started with systemctl)' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l stop-cmd -d 'Shell command that stops the server (docker stop, supervisorctl stop, …)' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l start-cmd -d 'Shell command that starts the server' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l app-scripting -d 'Let the app user run Lua scripts (EVAL, FUNCTION); denied by default, since few applications need them and old servers have Lua CVEs'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l edit-config-file -d 'Persist by editing the config file on this host (comments and order kept, backup copy, mode 0600) instead of CONFIG REWRITE'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l restart -d 'Restart the server when the config file gained directives that only a restart applies (enable-*-command, rename-command); the data is saved first'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l dry-run -d 'Print the plan and change nothing'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -s y -l yes -d 'Do not ask for confirmation (needed without a terminal)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l json -d 'Print the plan and the outcome as JSON ("changed": false when there was nothing to do)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from apply" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l markdown -d 'Print the Markdown table used in the README'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from help" -f -a "audit" -d 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel; with a cluster target: every node) against the check catalogue'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from help" -f -a "apply" -d 'Fix what the audit finds: role users with generated passwords, the default user, protected mode, bind, renamed commands; verified, persisted, idempotent'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from help" -f -a "checks" -d 'List every check: ID, severity, category, title and remediation'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -f -a "init" -d 'Create a private CA, node certificates (serverAuth + clientAuth) and a client certificate'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -f -a "enable" -d 'Turn TLS on for a live server (or a whole Sentinel group) without a data-node restart, verify it, optionally close the plaintext ports, persist'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -f -a "rotate" -d 'Reload new or replaced certificate files without a restart and verify a fresh connection'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -f -a "check" -d 'Show the certificate each node presents: subject, SANs, issuer, days to expiry'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and not __fish_seen_subcommand_from init enable rotate check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l out -d 'Directory for ca.crt, ca.key, <node>.crt/.key and <client>.crt/.key' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l node -d 'A node certificate: NAME=host,ip,… with every name and IP clients dial; repeatable' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l dns -d 'For a single node (named by --name): a DNS name clients dial; repeatable' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l ip -d 'For a single node (named by --name): an IP address clients dial; repeatable' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l name -d 'File name of the single node given with --dns/--ip' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l client-name -d 'Name (CN and file name) of the client certificate for redisops and operators' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l days -d 'Validity of node and client certificates, in days' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l ca-days -d 'Validity of a new CA, in days' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l issuer-cert -d 'Issue from this existing CA certificate instead of creating a CA (with --issuer-key)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l issuer-key -d 'The existing CA\'s key (with --issuer-cert)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l force -d 'Replace existing files'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from init" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l server-cert -d 'Server certificate (chain) file, a path on the server\'s host; {host} and {port} expand to each node\'s address (e.g. /etc/redis/tls/{host}.crt)' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l server-key -d 'Server key file, a path on the server\'s host; {host} and {port} expand as for --server-cert' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l server-ca -d 'CA file that signed the client certificates, a path on the server\'s host' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l tls-port -d 'TLS port to open [default: the current tls-port]; with a Sentinel target, on every data node' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l tls-port-offset -d 'TLS port = each node\'s current port + N (several nodes on one host; 1 gives 6380 and 26380 on the default ports)' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l master-tls-port -d 'On a replica: the master\'s TLS port; replication moves to TLS' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l sentinel-tls-port -d 'The TLS port every Sentinel gets' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l sentinel-service -d 'Each Sentinel\'s systemd unit ({host}/{port} expand), stopped and started with systemctl [default: SHUTDOWN and start it detached]' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l sentinel-stop-cmd -d 'Shell command that stops one Sentinel ({host}/{port} expand)' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l sentinel-start-cmd -d 'Shell command that starts it again ({host}/{port} expand)' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l verify-cacert -d 'CA to verify the server with [default: the connection\'s --cacert]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l verify-cert -d 'Client certificate to present [default: the connection\'s --cert]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l verify-key -d 'Client key [default: the connection\'s --key]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l disable-plaintext -d 'After verification, close the plaintext port (CONFIG SET port 0)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l dry-run -d 'Print the steps (and their undo) without changing anything'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l yes -d 'Apply without asking'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from enable" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l server-cert -d 'Server certificate (chain) file, a path on the server\'s host; {host} and {port} expand to each node\'s address (e.g. /etc/redis/tls/{host}.crt)' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l server-key -d 'Server key file, a path on the server\'s host; {host} and {port} expand as for --server-cert' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l server-ca -d 'New CA file (for a CA rollover use a bundle with the old and new CA)' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l verify-cacert -d 'CA to verify the server with [default: the connection\'s --cacert]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l verify-cert -d 'Client certificate to present [default: the connection\'s --cert]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l verify-key -d 'Client key [default: the connection\'s --key]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l dry-run -d 'Print the steps (and their undo) without changing anything'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l yes -d 'Apply without asking'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from rotate" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l json -d 'Print JSON instead of a table'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from check" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from help" -f -a "init" -d 'Create a private CA, node certificates (serverAuth + clientAuth) and a client certificate'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from help" -f -a "enable" -d 'Turn TLS on for a live server (or a whole Sentinel group) without a data-node restart, verify it, optionally close the plaintext ports, persist'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Reload new or replaced certificate files without a restart and verify a fresh connection'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from help" -f -a "check" -d 'Show the certificate each node presents: subject, SANs, issuer, days to expiry'
complete -c redisops -n "__fish_redisops_using_subcommand tls; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand completions" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand completions" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand completions" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand completions" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand completions" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l dir -d 'Directory to write into' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand generate" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand generate" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand generate" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand generate" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand generate" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "status" -d 'Show server, persistence, memory, keyspace and replication state in one screen'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "backup" -d 'Back up: get the RDB, verify it, compress and encrypt it into the repository'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "list" -d 'List the backups in the repository'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "verify" -d 'Verify backups against their manifests (and, with keys, the RDB inside)'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "analyze" -d 'What is inside a backup, RDB file or live server: totals, top keys, prefixes, TTLs'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "diff" -d 'What changed between two backups or RDB files, per database, prefix and top key'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "copy" -d 'Copy backups into another repository (off-site, 3-2-1), skipping those it has'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "restore" -d 'Restore a backup: verify and stage it, stop the server, swap the files, start, prove, roll back on failure'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "prune" -d 'Delete old backups by keep rules, with a reason for every kept one'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "keygen" -d 'Generate an age key pair for encrypting backups'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "schedule" -d 'Print a crontab line or systemd timer for a redisops command'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "harden" -d 'Audit a server and its Sentinels against a catalogue of hardening checks, and fix what it finds'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "tls" -d 'Certificates and moving a live server to TLS: init, enable, rotate, check'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "generate" -d 'Write completions/ and man/ (used by packagers and the repository\'s own files)'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status backup list verify analyze diff copy restore prune keygen schedule harden tls completions generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c redisops -n "__fish_redisops_using_subcommand help; and __fish_seen_subcommand_from harden" -f -a "audit" -d 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel; with a cluster target: every node) against the check catalogue'
complete -c redisops -n "__fish_redisops_using_subcommand help; and __fish_seen_subcommand_from harden" -f -a "apply" -d 'Fix what the audit finds: role users with generated passwords, the default user, protected mode, bind, renamed commands; verified, persisted, idempotent'
complete -c redisops -n "__fish_redisops_using_subcommand help; and __fish_seen_subcommand_from harden" -f -a "checks" -d 'List every check: ID, severity, category, title and remediation'
complete -c redisops -n "__fish_redisops_using_subcommand help; and __fish_seen_subcommand_from tls" -f -a "init" -d 'Create a private CA, node certificates (serverAuth + clientAuth) and a client certificate'
complete -c redisops -n "__fish_redisops_using_subcommand help; and __fish_seen_subcommand_from tls" -f -a "enable" -d 'Turn TLS on for a live server (or a whole Sentinel group) without a data-node restart, verify it, optionally close the plaintext ports, persist'
complete -c redisops -n "__fish_redisops_using_subcommand help; and __fish_seen_subcommand_from tls" -f -a "rotate" -d 'Reload new or replaced certificate files without a restart and verify a fresh connection'
complete -c redisops -n "__fish_redisops_using_subcommand help; and __fish_seen_subcommand_from tls" -f -a "check" -d 'Show the certificate each node presents: subject, SANs, issuer, days to expiry'
