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
complete -c redisops -n "__fish_redisops_needs_command" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file' -r
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
complete -c redisops -n "__fish_redisops_needs_command" -f -a "harden" -d 'Audit a server and its Sentinels against a catalogue of hardening checks'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "generate" -d 'Write completions/ and man/ (used by packagers and the repository\'s own files)'
complete -c redisops -n "__fish_redisops_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c redisops -n "__fish_redisops_using_subcommand status" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand status" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file' -r
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
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -s h -l host -d 'Server hostname or IP' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -s p -l port -d 'Server port' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -s s -l socket -d 'Server unix socket (overrides host and port)' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l user -d 'ACL user name' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -s a -l pass -d 'Password on the command line: visible in the process list, prefer REDISCLI_AUTH or --password-file' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l password-file -d 'Read the password from the first line of FILE [env: REDISCLI_AUTH holds a password]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l cacert -d 'CA certificate (PEM) to verify the server with, instead of the system store' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l cert -d 'Client certificate (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l key -d 'Client private key (PEM) for mutual TLS' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l sni -d 'Server name to send (SNI) and verify, when it differs from the host' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l sentinel-user -d 'ACL user for the Sentinels, when they have their own credentials' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l sentinel-password-file -d 'Read the Sentinels\' password from FILE' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l timeout -d 'Seconds to wait for a connection or a reply' -r
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l help -d 'Print help (see more with \'--help\')'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -s q -l quiet -d 'Only print warnings and errors (for cron)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l tls -d 'Use TLS (like rediss://)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -l insecure -d 'Skip TLS certificate verification (dangerous: anyone on the path can read your data)'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -f -a "audit" -d 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel) against the check catalogue'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -f -a "checks" -d 'List every check: ID, severity, category, title and remediation'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and not __fish_seen_subcommand_from audit checks help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
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
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from audit" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file' -r
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
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from checks" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file' -r
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
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from help" -f -a "audit" -d 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel) against the check catalogue'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from help" -f -a "checks" -d 'List every check: ID, severity, category, title and remediation'
complete -c redisops -n "__fish_redisops_using_subcommand harden; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l config -d 'Configuration file [default: $XDG_CONFIG_HOME/redisops/config.toml, then /etc/redisops/config.toml]' -r -F
complete -c redisops -n "__fish_redisops_using_subcommand completions" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file' -r
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
complete -c redisops -n "__fish_redisops_using_subcommand generate" -l target -d 'Target URL (redis://, rediss://, unix://, redis-sentinel://h1,h2#master) or a target name from the config file' -r
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
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status harden completions generate help" -f -a "status" -d 'Show server, persistence, memory, keyspace and replication state in one screen'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status harden completions generate help" -f -a "harden" -d 'Audit a server and its Sentinels against a catalogue of hardening checks'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status harden completions generate help" -f -a "completions" -d 'Print a shell completion script to stdout'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status harden completions generate help" -f -a "generate" -d 'Write completions/ and man/ (used by packagers and the repository\'s own files)'
complete -c redisops -n "__fish_redisops_using_subcommand help; and not __fish_seen_subcommand_from status harden completions generate help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c redisops -n "__fish_redisops_using_subcommand help; and __fish_seen_subcommand_from harden" -f -a "audit" -d 'Audit the target (with a Sentinel target: the master, every replica and every Sentinel) against the check catalogue'
complete -c redisops -n "__fish_redisops_using_subcommand help; and __fish_seen_subcommand_from harden" -f -a "checks" -d 'List every check: ID, severity, category, title and remediation'
