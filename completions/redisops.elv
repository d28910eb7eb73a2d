
use builtin;
use str;

set edit:completion:arg-completer[redisops] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'redisops'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'redisops'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]'
            cand --target 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file'
            cand -h 'Server hostname or IP'
            cand --host 'Server hostname or IP'
            cand -p 'Server port'
            cand --port 'Server port'
            cand -s 'Server unix socket (overrides host and port)'
            cand --socket 'Server unix socket (overrides host and port)'
            cand --user 'ACL user name'
            cand -a 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --pass 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --password-file 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]'
            cand --cacert 'CA certificate (PEM) to verify the server with, instead of the system store'
            cand --cert 'Client certificate (PEM) for mutual TLS'
            cand --key 'Client private key (PEM) for mutual TLS'
            cand --sni 'Server name to send (SNI) and verify, when it differs from the host'
            cand --sentinel-user 'ACL user for the Sentinels, when they have their own credentials'
            cand --sentinel-password-file 'Read the Sentinels'' password from FILE'
            cand --timeout 'Seconds to wait for a connection or a reply'
            cand --help 'Print help (see more with ''--help'')'
            cand -q 'Only print warnings and errors (for cron)'
            cand --quiet 'Only print warnings and errors (for cron)'
            cand --tls 'Use TLS (like rediss://)'
            cand --insecure 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
            cand -V 'Print version'
            cand --version 'Print version'
            cand status 'Show server, persistence, memory, keyspace and replication state in one screen'
            cand harden 'Audit a server and its Sentinels against a catalogue of hardening checks'
            cand completions 'Print a shell completion script to stdout'
            cand generate 'Write completions/ and man/ (used by packagers and the repository''s own files)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'redisops;status'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]'
            cand --target 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file'
            cand -h 'Server hostname or IP'
            cand --host 'Server hostname or IP'
            cand -p 'Server port'
            cand --port 'Server port'
            cand -s 'Server unix socket (overrides host and port)'
            cand --socket 'Server unix socket (overrides host and port)'
            cand --user 'ACL user name'
            cand -a 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --pass 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --password-file 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]'
            cand --cacert 'CA certificate (PEM) to verify the server with, instead of the system store'
            cand --cert 'Client certificate (PEM) for mutual TLS'
            cand --key 'Client private key (PEM) for mutual TLS'
            cand --sni 'Server name to send (SNI) and verify, when it differs from the host'
            cand --sentinel-user 'ACL user for the Sentinels, when they have their own credentials'
            cand --sentinel-password-file 'Read the Sentinels'' password from FILE'
            cand --timeout 'Seconds to wait for a connection or a reply'
            cand --json 'Print one JSON object instead of text'
            cand --help 'Print help (see more with ''--help'')'
            cand -q 'Only print warnings and errors (for cron)'
            cand --quiet 'Only print warnings and errors (for cron)'
            cand --tls 'Use TLS (like rediss://)'
            cand --insecure 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
        }
        &'redisops;harden'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]'
            cand --target 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file'
            cand -h 'Server hostname or IP'
            cand --host 'Server hostname or IP'
            cand -p 'Server port'
            cand --port 'Server port'
            cand -s 'Server unix socket (overrides host and port)'
            cand --socket 'Server unix socket (overrides host and port)'
            cand --user 'ACL user name'
            cand -a 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --pass 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --password-file 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]'
            cand --cacert 'CA certificate (PEM) to verify the server with, instead of the system store'
            cand --cert 'Client certificate (PEM) for mutual TLS'
            cand --key 'Client private key (PEM) for mutual TLS'
            cand --sni 'Server name to send (SNI) and verify, when it differs from the host'
            cand --sentinel-user 'ACL user for the Sentinels, when they have their own credentials'
            cand --sentinel-password-file 'Read the Sentinels'' password from FILE'
            cand --timeout 'Seconds to wait for a connection or a reply'
            cand --help 'Print help (see more with ''--help'')'
            cand -q 'Only print warnings and errors (for cron)'
            cand --quiet 'Only print warnings and errors (for cron)'
            cand --tls 'Use TLS (like rediss://)'
            cand --insecure 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
            cand audit 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel) against the check catalogue'
            cand checks 'List every check: ID, severity, category, title and remediation'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'redisops;harden;audit'= {
            cand --fail-on 'Exit 3 when a finding reaches this severity'
            cand --format 'Output format'
            cand --config-file 'The Redis server''s own config file (redis.conf), for the host checks, when INFO''s config_file is not usable here'
            cand --admin-user 'A user allowed every right (+@all ~*); repeat for several'
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]'
            cand --target 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file'
            cand -h 'Server hostname or IP'
            cand --host 'Server hostname or IP'
            cand -p 'Server port'
            cand --port 'Server port'
            cand -s 'Server unix socket (overrides host and port)'
            cand --socket 'Server unix socket (overrides host and port)'
            cand --user 'ACL user name'
            cand -a 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --pass 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --password-file 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]'
            cand --cacert 'CA certificate (PEM) to verify the server with, instead of the system store'
            cand --cert 'Client certificate (PEM) for mutual TLS'
            cand --key 'Client private key (PEM) for mutual TLS'
            cand --sni 'Server name to send (SNI) and verify, when it differs from the host'
            cand --sentinel-user 'ACL user for the Sentinels, when they have their own credentials'
            cand --sentinel-password-file 'Read the Sentinels'' password from FILE'
            cand --timeout 'Seconds to wait for a connection or a reply'
            cand --json 'Print JSON (same as --format json)'
            cand --show-facts 'Add the gathered facts (secrets redacted) to the JSON output under "facts"'
            cand --help 'Print help (see more with ''--help'')'
            cand -q 'Only print warnings and errors (for cron)'
            cand --quiet 'Only print warnings and errors (for cron)'
            cand --tls 'Use TLS (like rediss://)'
            cand --insecure 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
        }
        &'redisops;harden;checks'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]'
            cand --target 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file'
            cand -h 'Server hostname or IP'
            cand --host 'Server hostname or IP'
            cand -p 'Server port'
            cand --port 'Server port'
            cand -s 'Server unix socket (overrides host and port)'
            cand --socket 'Server unix socket (overrides host and port)'
            cand --user 'ACL user name'
            cand -a 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --pass 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --password-file 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]'
            cand --cacert 'CA certificate (PEM) to verify the server with, instead of the system store'
            cand --cert 'Client certificate (PEM) for mutual TLS'
            cand --key 'Client private key (PEM) for mutual TLS'
            cand --sni 'Server name to send (SNI) and verify, when it differs from the host'
            cand --sentinel-user 'ACL user for the Sentinels, when they have their own credentials'
            cand --sentinel-password-file 'Read the Sentinels'' password from FILE'
            cand --timeout 'Seconds to wait for a connection or a reply'
            cand --markdown 'Print the Markdown table used in the README'
            cand --help 'Print help (see more with ''--help'')'
            cand -q 'Only print warnings and errors (for cron)'
            cand --quiet 'Only print warnings and errors (for cron)'
            cand --tls 'Use TLS (like rediss://)'
            cand --insecure 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
        }
        &'redisops;harden;help'= {
            cand audit 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel) against the check catalogue'
            cand checks 'List every check: ID, severity, category, title and remediation'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'redisops;harden;help;audit'= {
        }
        &'redisops;harden;help;checks'= {
        }
        &'redisops;harden;help;help'= {
        }
        &'redisops;completions'= {
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]'
            cand --target 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file'
            cand -h 'Server hostname or IP'
            cand --host 'Server hostname or IP'
            cand -p 'Server port'
            cand --port 'Server port'
            cand -s 'Server unix socket (overrides host and port)'
            cand --socket 'Server unix socket (overrides host and port)'
            cand --user 'ACL user name'
            cand -a 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --pass 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --password-file 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]'
            cand --cacert 'CA certificate (PEM) to verify the server with, instead of the system store'
            cand --cert 'Client certificate (PEM) for mutual TLS'
            cand --key 'Client private key (PEM) for mutual TLS'
            cand --sni 'Server name to send (SNI) and verify, when it differs from the host'
            cand --sentinel-user 'ACL user for the Sentinels, when they have their own credentials'
            cand --sentinel-password-file 'Read the Sentinels'' password from FILE'
            cand --timeout 'Seconds to wait for a connection or a reply'
            cand --help 'Print help (see more with ''--help'')'
            cand -q 'Only print warnings and errors (for cron)'
            cand --quiet 'Only print warnings and errors (for cron)'
            cand --tls 'Use TLS (like rediss://)'
            cand --insecure 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
        }
        &'redisops;generate'= {
            cand --dir 'Directory to write into'
            cand --config 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]'
            cand --target 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file'
            cand -h 'Server hostname or IP'
            cand --host 'Server hostname or IP'
            cand -p 'Server port'
            cand --port 'Server port'
            cand -s 'Server unix socket (overrides host and port)'
            cand --socket 'Server unix socket (overrides host and port)'
            cand --user 'ACL user name'
            cand -a 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --pass 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file'
            cand --password-file 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]'
            cand --cacert 'CA certificate (PEM) to verify the server with, instead of the system store'
            cand --cert 'Client certificate (PEM) for mutual TLS'
            cand --key 'Client private key (PEM) for mutual TLS'
            cand --sni 'Server name to send (SNI) and verify, when it differs from the host'
            cand --sentinel-user 'ACL user for the Sentinels, when they have their own credentials'
            cand --sentinel-password-file 'Read the Sentinels'' password from FILE'
            cand --timeout 'Seconds to wait for a connection or a reply'
            cand --help 'Print help (see more with ''--help'')'
            cand -q 'Only print warnings and errors (for cron)'
            cand --quiet 'Only print warnings and errors (for cron)'
            cand --tls 'Use TLS (like rediss://)'
            cand --insecure 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
        }
        &'redisops;help'= {
            cand status 'Show server, persistence, memory, keyspace and replication state in one screen'
            cand harden 'Audit a server and its Sentinels against a catalogue of hardening checks'
            cand completions 'Print a shell completion script to stdout'
            cand generate 'Write completions/ and man/ (used by packagers and the repository''s own files)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'redisops;help;status'= {
        }
        &'redisops;help;harden'= {
            cand audit 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel) against the check catalogue'
            cand checks 'List every check: ID, severity, category, title and remediation'
        }
        &'redisops;help;harden;audit'= {
        }
        &'redisops;help;harden;checks'= {
        }
        &'redisops;help;completions'= {
        }
        &'redisops;help;generate'= {
        }
        &'redisops;help;help'= {
        }
    ]
    $completions[$command]
}
