
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'redisops' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'redisops'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'redisops' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show server, persistence, memory, keyspace and replication state in one screen')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back up: get the RDB, verify it, compress and encrypt it into the repository')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the backups in the repository')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify backups against their manifests (and, with keys, the RDB inside)')
            [CompletionResult]::new('analyze', 'analyze', [CompletionResultType]::ParameterValue, 'What is inside a backup, RDB file or live server: totals, top keys, prefixes, TTLs')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What changed between two backups or RDB files, per database, prefix and top key')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy backups into another repository (off-site, 3-2-1), skipping those it has')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup: verify and stage it, stop the server, swap the files, start, prove, roll back on failure')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old backups by keep rules, with a reason for every kept one')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Generate an age key pair for encrypting backups')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Print a crontab line or systemd timer for a redisops command')
            [CompletionResult]::new('harden', 'harden', [CompletionResultType]::ParameterValue, 'Audit a server and its Sentinels against a catalogue of hardening checks, and fix what it finds')
            [CompletionResult]::new('tls', 'tls', [CompletionResultType]::ParameterValue, 'Certificates and moving a live server to TLS: init, enable, rotate, check')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write completions/ and man/ (used by packagers and the repository''s own files)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'redisops;status' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object instead of text')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;backup' {
            [CompletionResult]::new('--method', '--method', [CompletionResultType]::ParameterName, 'How to get the RDB [default: auto, or [backup] method in the config]')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'With a Sentinel or cluster target: back up from the master or a healthy replica (per shard for a cluster) [default: prefer-replica]')
            [CompletionResult]::new('--compression', '--compression', [CompletionResultType]::ParameterName, 'Compression: gzip (standard gzip: gunzip reads it) or zstd [default: gzip, or [backup] compression]')
            [CompletionResult]::new('--level', '--level', [CompletionResultType]::ParameterName, 'Compression level: gzip 1 (fast) to 9 (small), zstd 1 to 19 [default: 3]')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Compression threads, 1 to 32 [default: one per core up to 32, or [backup] threads]')
            [CompletionResult]::new('--save-timeout', '--save-timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the server to produce the RDB (BGSAVE or the start of SYNC)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]')
            [CompletionResult]::new('--recipient', '--recipient', [CompletionResultType]::ParameterName, 'Encrypt to this age recipient (public key age1…); repeatable')
            [CompletionResult]::new('--recipients-file', '--recipients-file', [CompletionResultType]::ParameterName, 'Encrypt to the recipients in FILE (age format: one per line, # comments); repeatable')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Encrypt with the passphrase in FILE (age scrypt) instead of public keys')
            [CompletionResult]::new('--lock-wait', '--lock-wait', [CompletionResultType]::ParameterName, 'Seconds to wait for another run''s lock on this target before giving up')
            [CompletionResult]::new('--keep-last', '--keep-last', [CompletionResultType]::ParameterName, 'Keep the N most recent backups')
            [CompletionResult]::new('--keep-hourly', '--keep-hourly', [CompletionResultType]::ParameterName, 'Keep the newest backup of each of the last N hours that have backups')
            [CompletionResult]::new('--keep-daily', '--keep-daily', [CompletionResultType]::ParameterName, 'Keep the newest backup of each of the last N days that have backups')
            [CompletionResult]::new('--keep-weekly', '--keep-weekly', [CompletionResultType]::ParameterName, 'Keep the newest backup of each of the last N ISO weeks that have backups')
            [CompletionResult]::new('--keep-monthly', '--keep-monthly', [CompletionResultType]::ParameterName, 'Keep the newest backup of each of the last N months that have backups')
            [CompletionResult]::new('--keep-yearly', '--keep-yearly', [CompletionResultType]::ParameterName, 'Keep the newest backup of each of the last N years that have backups')
            [CompletionResult]::new('--keep-within', '--keep-within', [CompletionResultType]::ParameterName, 'Keep all backups newer than DURATION, e.g. 30d, 2w, 6mo, 1y, 12h, 90min (units y mo w d h min)')
            [CompletionResult]::new('--keep-safety-within', '--keep-safety-within', [CompletionResultType]::ParameterName, 'Keep safety backups (taken by restore) newer than DURATION; they never fill the slots of the other rules [default: 7d]')
            [CompletionResult]::new('--schedule', '--schedule', [CompletionResultType]::ParameterName, 'Stay in the foreground and back up on this crontab schedule ("0 3 * * *", @daily)')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'Write Prometheus textfile-collector metrics to FILE (atomically)')
            [CompletionResult]::new('--copy-to', '--copy-to', [CompletionResultType]::ParameterName, 'After the backup (and its prune), copy it into this second repository too (created when missing or empty) [default: [backup] copy_to]')
            [CompletionResult]::new('--parallel', '--parallel', [CompletionResultType]::ParameterName, 'Cluster: back up up to N shards at a time')
            [CompletionResult]::new('--forks-per-host', '--forks-per-host', [CompletionResultType]::ParameterName, 'Cluster: with --parallel, at most N shards at a time whose source node is on one host (each is a fork with its copy-on-write memory there)')
            [CompletionResult]::new('--cut-pause-timeout', '--cut-pause-timeout', [CompletionResultType]::ParameterName, 'Cluster: with --consistent-cut, the longest write pause: the servers end it by themselves after it, and a cut whose forks did not all start within it fails')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--no-encrypt', '--no-encrypt', [CompletionResultType]::ParameterName, 'Store the archive unencrypted (anyone who can read the repository can read the data)')
            [CompletionResult]::new('--scheduled', '--scheduled', [CompletionResultType]::ParameterName, 'Record the backup as scheduled, not manual (the lines `redisops schedule` prints add it)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object with the result instead of text')
            [CompletionResult]::new('--allow-partial', '--allow-partial', [CompletionResultType]::ParameterName, 'Cluster: when some slots have no owner, back up the shards of the owned slots (the set is marked partial) instead of refusing')
            [CompletionResult]::new('--consistent-cut', '--consistent-cut', [CompletionResultType]::ParameterName, 'Cluster: pause writes on every master (CLIENT PAUSE WRITE) while every shard''s fork starts, so that all shards are one instant; all shards are then captured at once')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;list' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array of manifests (with their locations) instead of a table')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;verify' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Verify a dump from any tool, without a repository: .rdb, .rdb.gz, .rdb.zst, or any of them in age')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Passphrase file, for archives encrypted with --passphrase-file')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--latest', '--latest', [CompletionResultType]::ParameterName, 'Verify the newest backup of the target (of each target without --target); safety backups taken by restore are skipped')
            [CompletionResult]::new('--include-safety', '--include-safety', [CompletionResultType]::ParameterName, 'With --latest: count the safety backups restore takes of the data it replaces')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Verify every backup (of the target, or of the whole repository)')
            [CompletionResult]::new('--deep', '--deep', [CompletionResultType]::ParameterName, 'Also run redis-check-rdb or valkey-check-rdb (one on PATH at least as new as the file) on the decrypted RDB (streamed through a pipe; needs keys)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the reports as JSON')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;analyze' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Analyze this file: a plain .rdb, .rdb.gz, .rdb.zst, or any of them in age, made by any tool')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Passphrase file, for archives encrypted with --passphrase-file')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Length of the top-keys lists')
            [CompletionResult]::new('--separators', '--separators', [CompletionResultType]::ParameterName, 'Characters that end a key prefix')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'Prefix levels to report')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Also write the report as one self-contained HTML page to FILE')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--latest', '--latest', [CompletionResultType]::ParameterName, 'Analyze the target''s newest backup in the repository; safety backups taken by restore are skipped')
            [CompletionResult]::new('--include-safety', '--include-safety', [CompletionResultType]::ParameterName, 'With --latest: count the safety backups restore takes of the data it replaces')
            [CompletionResult]::new('--live', '--live', [CompletionResultType]::ParameterName, 'Analyze a fresh RDB streamed from the target over the replication protocol (stored nowhere)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the report as JSON (format in the README)')
            [CompletionResult]::new('--csv', '--csv', [CompletionResultType]::ParameterName, 'Print every key as a CSV row (db,key,type,encoding,bytes,elements,expire_at) instead of the report')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;diff' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Passphrase file, for archives encrypted with --passphrase-file')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'Length of the top-keys lists')
            [CompletionResult]::new('--separators', '--separators', [CompletionResultType]::ParameterName, 'Characters that end a key prefix')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'Prefix levels to report')
            [CompletionResult]::new('--html', '--html', [CompletionResultType]::ParameterName, 'Also write the comparison as one self-contained HTML page to FILE')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the comparison as JSON (format in the README)')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;copy' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Source repository directory [default: [repository] path in the config file]')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Destination repository directory (created when missing or empty)')
            [CompletionResult]::new('--lock-wait', '--lock-wait', [CompletionResultType]::ParameterName, 'Seconds to wait for another run''s lock on a destination target before giving up')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--latest', '--latest', [CompletionResultType]::ParameterName, 'Copy the newest backup (or backup set) of the target (of each target without --target)')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Copy every backup and backup set (of the target, or of the whole repository)')
            [CompletionResult]::new('--include-safety', '--include-safety', [CompletionResultType]::ParameterName, 'With --latest or --all: count the safety backups restore takes of the data it replaces')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print what would be copied and skipped; write nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print a JSON array with one object per backup instead of text')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;restore' {
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'Restore this file: a plain .rdb, .rdb.gz, .rdb.age or .rdb.gz.age made by any tool')
            [CompletionResult]::new('--shard', '--shard', [CompletionResultType]::ParameterName, 'Cluster target: restore only this shard of the backup set: sNN, its slot ranges (5461-10922), or its master''s node id (at least 8 characters)')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable')
            [CompletionResult]::new('--identity', '--identity', [CompletionResultType]::ParameterName, 'age identity file (private key, as written by redisops keygen or age-keygen); repeatable')
            [CompletionResult]::new('--passphrase-file', '--passphrase-file', [CompletionResultType]::ParameterName, 'Passphrase file, for archives encrypted with --passphrase-file')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'The systemd unit that runs the server (stopped and started with systemctl)')
            [CompletionResult]::new('--stop-cmd', '--stop-cmd', [CompletionResultType]::ParameterName, 'Shell command that stops the server (docker stop, supervisorctl stop, …)')
            [CompletionResult]::new('--start-cmd', '--start-cmd', [CompletionResultType]::ParameterName, 'Shell command that starts the server')
            [CompletionResult]::new('--config-file', '--config-file', [CompletionResultType]::ParameterName, 'Without --service/--stop-cmd: the config file redisops starts redis-server with [default: the server''s own config_file]')
            [CompletionResult]::new('--journal', '--journal', [CompletionResultType]::ParameterName, 'With --resume/--abort while the server is down: the journal, <dir>/.redisops-restore.journal')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--latest', '--latest', [CompletionResultType]::ParameterName, 'Restore the target''s newest backup in the repository (safety backups taken by restore are skipped); when the target''s folder has none, the backups of the same server in another folder (same address, run id or replication id)')
            [CompletionResult]::new('--include-safety', '--include-safety', [CompletionResultType]::ParameterName, 'With --latest: count the safety backups restore takes of the data it replaces')
            [CompletionResult]::new('--into-new-cluster', '--into-new-cluster', [CompletionResultType]::ParameterName, 'Cluster target: the URL names empty nodes (cluster-enabled yes, no nodes.conf), the set''s masters first in shard order, then any replicas; they are formed into a new cluster with the set''s slot ranges, then restored')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Verify and stage the archive and print the plan, then stop without changing anything')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when there is no terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed when there is no terminal)')
            [CompletionResult]::new('--no-safety-backup', '--no-safety-backup', [CompletionResultType]::ParameterName, 'Skip the backup of the current data into the repository before the restore')
            [CompletionResult]::new('--allow-empty', '--allow-empty', [CompletionResultType]::ParameterName, 'Restore a backup with no keys, or with under a tenth of the server''s keys (--yes alone does not)')
            [CompletionResult]::new('--resume', '--resume', [CompletionResultType]::ParameterName, 'Finish a restore whose redisops was killed (reads its journal)')
            [CompletionResult]::new('--abort', '--abort', [CompletionResultType]::ParameterName, 'Roll back a restore whose redisops was killed (reads its journal)')
            [CompletionResult]::new('--discard-restored', '--discard-restored', [CompletionResultType]::ParameterName, 'With --abort after the restored data was verified: roll back anyway, discarding the restored data and every write since')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON object with the result instead of text')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;prune' {
            [CompletionResult]::new('--lock-wait', '--lock-wait', [CompletionResultType]::ParameterName, 'Seconds to wait for a running backup''s lock')
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Backup repository: a directory or s3://bucket/prefix [default: [repository] path or url in the config file]')
            [CompletionResult]::new('--keep-last', '--keep-last', [CompletionResultType]::ParameterName, 'Keep the N most recent backups')
            [CompletionResult]::new('--keep-hourly', '--keep-hourly', [CompletionResultType]::ParameterName, 'Keep the newest backup of each of the last N hours that have backups')
            [CompletionResult]::new('--keep-daily', '--keep-daily', [CompletionResultType]::ParameterName, 'Keep the newest backup of each of the last N days that have backups')
            [CompletionResult]::new('--keep-weekly', '--keep-weekly', [CompletionResultType]::ParameterName, 'Keep the newest backup of each of the last N ISO weeks that have backups')
            [CompletionResult]::new('--keep-monthly', '--keep-monthly', [CompletionResultType]::ParameterName, 'Keep the newest backup of each of the last N months that have backups')
            [CompletionResult]::new('--keep-yearly', '--keep-yearly', [CompletionResultType]::ParameterName, 'Keep the newest backup of each of the last N years that have backups')
            [CompletionResult]::new('--keep-within', '--keep-within', [CompletionResultType]::ParameterName, 'Keep all backups newer than DURATION, e.g. 30d, 2w, 6mo, 1y, 12h, 90min (units y mo w d h min)')
            [CompletionResult]::new('--keep-safety-within', '--keep-safety-within', [CompletionResultType]::ParameterName, 'Keep safety backups (taken by restore) newer than DURATION; they never fill the slots of the other rules [default: 7d]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show what would be deleted, delete nothing')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the decisions as JSON')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;keygen' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the identity (private key) to FILE with mode 0600 instead of stdout; refuses to overwrite')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the identity (private key) to FILE with mode 0600 instead of stdout; refuses to overwrite')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;schedule' {
            [CompletionResult]::new('--cron', '--cron', [CompletionResultType]::ParameterName, 'When to run, as a 5-field crontab expression ("0 3 * * *") or @daily, @hourly, …')
            [CompletionResult]::new('--emit', '--emit', [CompletionResultType]::ParameterName, 'What to print')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Unit name for systemd (NAME.service and NAME.timer)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;harden' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel; with a cluster target: every node) against the check catalogue')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Fix what the audit finds: role users with generated passwords, the default user, protected mode, bind, renamed commands; verified, persisted, idempotent')
            [CompletionResult]::new('checks', 'checks', [CompletionResultType]::ParameterValue, 'List every check: ID, severity, category, title and remediation')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'redisops;harden;audit' {
            [CompletionResult]::new('--fail-on', '--fail-on', [CompletionResultType]::ParameterName, 'Exit 3 when a finding reaches this severity')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config-file', '--config-file', [CompletionResultType]::ParameterName, 'The Redis server''s own config file (redis.conf), for the host checks, when INFO''s config_file is not usable here')
            [CompletionResult]::new('--admin-user', '--admin-user', [CompletionResultType]::ParameterName, 'A user allowed every right (+@all ~*); repeat for several')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON (same as --format json)')
            [CompletionResult]::new('--show-facts', '--show-facts', [CompletionResultType]::ParameterName, 'Add the gathered facts (secrets redacted) to the JSON output under "facts"')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;harden;apply' {
            [CompletionResult]::new('--secrets-dir', '--secrets-dir', [CompletionResultType]::ParameterName, 'Directory for the generated passwords (<user>.password, mode 0600) and renamed command names; existing files are reused, so every run and node gets the same ones')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Fix only these checks (IDs from `harden checks`, comma-separated or repeated)')
            [CompletionResult]::new('--skip', '--skip', [CompletionResultType]::ParameterName, 'Leave these checks alone')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Addresses a single server listens on (CONFIG SET bind); must keep the one redisops connects through. A leading ''-'' marks an optional address, as in redis.conf')
            [CompletionResult]::new('--default-user', '--default-user', [CompletionResultType]::ParameterName, 'What happens to the default user: disable it (no login at all), or restrict it to the application''s rights while keeping its passwords (clients using requirepass)')
            [CompletionResult]::new('--rename-commands', '--rename-commands', [CompletionResultType]::ParameterName, 'Also rename these commands in the config file (rename-command, effective after a restart): COMMAND or COMMAND=NEW-NAME, comma-separated; new names are random unless given and are written to <secrets-dir>/renamed-commands')
            [CompletionResult]::new('--config-file', '--config-file', [CompletionResultType]::ParameterName, 'The server''s config file, when INFO''s config_file is not usable here')
            [CompletionResult]::new('--admin-user', '--admin-user', [CompletionResultType]::ParameterName, 'The administrator''s user name')
            [CompletionResult]::new('--service', '--service', [CompletionResultType]::ParameterName, 'The systemd unit that runs the server (stopped and started with systemctl)')
            [CompletionResult]::new('--stop-cmd', '--stop-cmd', [CompletionResultType]::ParameterName, 'Shell command that stops the server (docker stop, supervisorctl stop, …)')
            [CompletionResult]::new('--start-cmd', '--start-cmd', [CompletionResultType]::ParameterName, 'Shell command that starts the server')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--app-scripting', '--app-scripting', [CompletionResultType]::ParameterName, 'Let the app user run Lua scripts (EVAL, FUNCTION); denied by default, since few applications need them and old servers have Lua CVEs')
            [CompletionResult]::new('--edit-config-file', '--edit-config-file', [CompletionResultType]::ParameterName, 'Persist by editing the config file on this host (comments and order kept, backup copy, mode 0600) instead of CONFIG REWRITE')
            [CompletionResult]::new('--restart', '--restart', [CompletionResultType]::ParameterName, 'Restart the server when the config file gained directives that only a restart applies (enable-*-command, rename-command); the data is saved first')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation (needed without a terminal)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the plan and the outcome as JSON ("changed": false when there was nothing to do)')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;harden;checks' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--markdown', '--markdown', [CompletionResultType]::ParameterName, 'Print the Markdown table used in the README')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;harden;help' {
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel; with a cluster target: every node) against the check catalogue')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Fix what the audit finds: role users with generated passwords, the default user, protected mode, bind, renamed commands; verified, persisted, idempotent')
            [CompletionResult]::new('checks', 'checks', [CompletionResultType]::ParameterValue, 'List every check: ID, severity, category, title and remediation')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'redisops;harden;help;audit' {
            break
        }
        'redisops;harden;help;apply' {
            break
        }
        'redisops;harden;help;checks' {
            break
        }
        'redisops;harden;help;help' {
            break
        }
        'redisops;tls' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a private CA, node certificates (serverAuth + clientAuth) and a client certificate')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Turn TLS on for a live server (or a whole Sentinel group) without a data-node restart, verify it, optionally close the plaintext ports, persist')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Reload new or replaced certificate files without a restart and verify a fresh connection')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Show the certificate each node presents: subject, SANs, issuer, days to expiry')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'redisops;tls;init' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory for ca.crt, ca.key, <node>.crt/.key and <client>.crt/.key')
            [CompletionResult]::new('--node', '--node', [CompletionResultType]::ParameterName, 'A node certificate: NAME=host,ip,… with every name and IP clients dial; repeatable')
            [CompletionResult]::new('--dns', '--dns', [CompletionResultType]::ParameterName, 'For a single node (named by --name): a DNS name clients dial; repeatable')
            [CompletionResult]::new('--ip', '--ip', [CompletionResultType]::ParameterName, 'For a single node (named by --name): an IP address clients dial; repeatable')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'File name of the single node given with --dns/--ip')
            [CompletionResult]::new('--client-name', '--client-name', [CompletionResultType]::ParameterName, 'Name (CN and file name) of the client certificate for redisops and operators')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'Validity of node and client certificates, in days')
            [CompletionResult]::new('--ca-days', '--ca-days', [CompletionResultType]::ParameterName, 'Validity of a new CA, in days')
            [CompletionResult]::new('--issuer-cert', '--issuer-cert', [CompletionResultType]::ParameterName, 'Issue from this existing CA certificate instead of creating a CA (with --issuer-key)')
            [CompletionResult]::new('--issuer-key', '--issuer-key', [CompletionResultType]::ParameterName, 'The existing CA''s key (with --issuer-cert)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace existing files')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;tls;enable' {
            [CompletionResult]::new('--server-cert', '--server-cert', [CompletionResultType]::ParameterName, 'Server certificate (chain) file, a path on the server''s host; {host} and {port} expand to each node''s address (e.g. /etc/redis/tls/{host}.crt)')
            [CompletionResult]::new('--server-key', '--server-key', [CompletionResultType]::ParameterName, 'Server key file, a path on the server''s host; {host} and {port} expand as for --server-cert')
            [CompletionResult]::new('--server-ca', '--server-ca', [CompletionResultType]::ParameterName, 'CA file that signed the client certificates, a path on the server''s host')
            [CompletionResult]::new('--tls-port', '--tls-port', [CompletionResultType]::ParameterName, 'TLS port to open [default: the current tls-port]; with a Sentinel target, on every data node')
            [CompletionResult]::new('--tls-port-offset', '--tls-port-offset', [CompletionResultType]::ParameterName, 'TLS port = each node''s current port + N (several nodes on one host; 1 gives 6380 and 26380 on the default ports)')
            [CompletionResult]::new('--master-tls-port', '--master-tls-port', [CompletionResultType]::ParameterName, 'On a replica: the master''s TLS port; replication moves to TLS')
            [CompletionResult]::new('--sentinel-tls-port', '--sentinel-tls-port', [CompletionResultType]::ParameterName, 'The TLS port every Sentinel gets')
            [CompletionResult]::new('--sentinel-service', '--sentinel-service', [CompletionResultType]::ParameterName, 'Each Sentinel''s systemd unit ({host}/{port} expand), stopped and started with systemctl [default: SHUTDOWN and start it detached]')
            [CompletionResult]::new('--sentinel-stop-cmd', '--sentinel-stop-cmd', [CompletionResultType]::ParameterName, 'Shell command that stops one Sentinel ({host}/{port} expand)')
            [CompletionResult]::new('--sentinel-start-cmd', '--sentinel-start-cmd', [CompletionResultType]::ParameterName, 'Shell command that starts it again ({host}/{port} expand)')
            [CompletionResult]::new('--verify-cacert', '--verify-cacert', [CompletionResultType]::ParameterName, 'CA to verify the server with [default: the connection''s --cacert]')
            [CompletionResult]::new('--verify-cert', '--verify-cert', [CompletionResultType]::ParameterName, 'Client certificate to present [default: the connection''s --cert]')
            [CompletionResult]::new('--verify-key', '--verify-key', [CompletionResultType]::ParameterName, 'Client key [default: the connection''s --key]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--disable-plaintext', '--disable-plaintext', [CompletionResultType]::ParameterName, 'After verification, close the plaintext port (CONFIG SET port 0)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the steps (and their undo) without changing anything')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;tls;rotate' {
            [CompletionResult]::new('--server-cert', '--server-cert', [CompletionResultType]::ParameterName, 'Server certificate (chain) file, a path on the server''s host; {host} and {port} expand to each node''s address (e.g. /etc/redis/tls/{host}.crt)')
            [CompletionResult]::new('--server-key', '--server-key', [CompletionResultType]::ParameterName, 'Server key file, a path on the server''s host; {host} and {port} expand as for --server-cert')
            [CompletionResult]::new('--server-ca', '--server-ca', [CompletionResultType]::ParameterName, 'New CA file (for a CA rollover use a bundle with the old and new CA)')
            [CompletionResult]::new('--verify-cacert', '--verify-cacert', [CompletionResultType]::ParameterName, 'CA to verify the server with [default: the connection''s --cacert]')
            [CompletionResult]::new('--verify-cert', '--verify-cert', [CompletionResultType]::ParameterName, 'Client certificate to present [default: the connection''s --cert]')
            [CompletionResult]::new('--verify-key', '--verify-key', [CompletionResultType]::ParameterName, 'Client key [default: the connection''s --key]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the steps (and their undo) without changing anything')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply without asking')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;tls;check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON instead of a table')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;tls;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a private CA, node certificates (serverAuth + clientAuth) and a client certificate')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Turn TLS on for a live server (or a whole Sentinel group) without a data-node restart, verify it, optionally close the plaintext ports, persist')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Reload new or replaced certificate files without a restart and verify a fresh connection')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Show the certificate each node presents: subject, SANs, issuer, days to expiry')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'redisops;tls;help;init' {
            break
        }
        'redisops;tls;help;enable' {
            break
        }
        'redisops;tls;help;rotate' {
            break
        }
        'redisops;tls;help;check' {
            break
        }
        'redisops;tls;help;help' {
            break
        }
        'redisops;completions' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;generate' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Directory to write into')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]')
            [CompletionResult]::new('--target', '--target', [CompletionResultType]::ParameterName, 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master, redis-cluster://h1,h2) or a target name from the config file')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('--host', '--host', [CompletionResultType]::ParameterName, 'Server hostname or IP')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Server port')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--socket', '--socket', [CompletionResultType]::ParameterName, 'Server unix socket (overrides host and port)')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'ACL user name')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--pass', '--pass', [CompletionResultType]::ParameterName, 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file')
            [CompletionResult]::new('--password-file', '--password-file', [CompletionResultType]::ParameterName, 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'CA certificate (PEM) to verify the server with, instead of the system store')
            [CompletionResult]::new('--cert', '--cert', [CompletionResultType]::ParameterName, 'Client certificate (PEM) for mutual TLS')
            [CompletionResult]::new('--key', '--key', [CompletionResultType]::ParameterName, 'Client private key (PEM) for mutual TLS')
            [CompletionResult]::new('--sni', '--sni', [CompletionResultType]::ParameterName, 'Server name to send (SNI) and verify, when it differs from the host')
            [CompletionResult]::new('--sentinel-user', '--sentinel-user', [CompletionResultType]::ParameterName, 'ACL user for the Sentinels, when they have their own credentials')
            [CompletionResult]::new('--sentinel-password-file', '--sentinel-password-file', [CompletionResultType]::ParameterName, 'Read the Sentinels'' password from FILE')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for a connection or a reply')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only print warnings and errors (for cron)')
            [CompletionResult]::new('--tls', '--tls', [CompletionResultType]::ParameterName, 'Use TLS (like rediss://)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)')
            break
        }
        'redisops;help' {
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show server, persistence, memory, keyspace and replication state in one screen')
            [CompletionResult]::new('backup', 'backup', [CompletionResultType]::ParameterValue, 'Back up: get the RDB, verify it, compress and encrypt it into the repository')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List the backups in the repository')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Verify backups against their manifests (and, with keys, the RDB inside)')
            [CompletionResult]::new('analyze', 'analyze', [CompletionResultType]::ParameterValue, 'What is inside a backup, RDB file or live server: totals, top keys, prefixes, TTLs')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'What changed between two backups or RDB files, per database, prefix and top key')
            [CompletionResult]::new('copy', 'copy', [CompletionResultType]::ParameterValue, 'Copy backups into another repository (off-site, 3-2-1), skipping those it has')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Restore a backup: verify and stage it, stop the server, swap the files, start, prove, roll back on failure')
            [CompletionResult]::new('prune', 'prune', [CompletionResultType]::ParameterValue, 'Delete old backups by keep rules, with a reason for every kept one')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Generate an age key pair for encrypting backups')
            [CompletionResult]::new('schedule', 'schedule', [CompletionResultType]::ParameterValue, 'Print a crontab line or systemd timer for a redisops command')
            [CompletionResult]::new('harden', 'harden', [CompletionResultType]::ParameterValue, 'Audit a server and its Sentinels against a catalogue of hardening checks, and fix what it finds')
            [CompletionResult]::new('tls', 'tls', [CompletionResultType]::ParameterValue, 'Certificates and moving a live server to TLS: init, enable, rotate, check')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script to stdout')
            [CompletionResult]::new('generate', 'generate', [CompletionResultType]::ParameterValue, 'Write completions/ and man/ (used by packagers and the repository''s own files)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'redisops;help;status' {
            break
        }
        'redisops;help;backup' {
            break
        }
        'redisops;help;list' {
            break
        }
        'redisops;help;verify' {
            break
        }
        'redisops;help;analyze' {
            break
        }
        'redisops;help;diff' {
            break
        }
        'redisops;help;copy' {
            break
        }
        'redisops;help;restore' {
            break
        }
        'redisops;help;prune' {
            break
        }
        'redisops;help;keygen' {
            break
        }
        'redisops;help;schedule' {
            break
        }
        'redisops;help;harden' {
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel; with a cluster target: every node) against the check catalogue')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Fix what the audit finds: role users with generated passwords, the default user, protected mode, bind, renamed commands; verified, persisted, idempotent')
            [CompletionResult]::new('checks', 'checks', [CompletionResultType]::ParameterValue, 'List every check: ID, severity, category, title and remediation')
            break
        }
        'redisops;help;harden;audit' {
            break
        }
        'redisops;help;harden;apply' {
            break
        }
        'redisops;help;harden;checks' {
            break
        }
        'redisops;help;tls' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create a private CA, node certificates (serverAuth + clientAuth) and a client certificate')
            [CompletionResult]::new('enable', 'enable', [CompletionResultType]::ParameterValue, 'Turn TLS on for a live server (or a whole Sentinel group) without a data-node restart, verify it, optionally close the plaintext ports, persist')
            [CompletionResult]::new('rotate', 'rotate', [CompletionResultType]::ParameterValue, 'Reload new or replaced certificate files without a restart and verify a fresh connection')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Show the certificate each node presents: subject, SANs, issuer, days to expiry')
            break
        }
        'redisops;help;tls;init' {
            break
        }
        'redisops;help;tls;enable' {
            break
        }
        'redisops;help;tls;rotate' {
            break
        }
        'redisops;help;tls;check' {
            break
        }
        'redisops;help;completions' {
            break
        }
        'redisops;help;generate' {
            break
        }
        'redisops;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
