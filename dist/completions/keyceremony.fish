# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_keyceremony_global_optspecs
    string join \n h/help V/version
end

function __fish_keyceremony_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_keyceremony_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_keyceremony_using_subcommand
    set -l cmd (__fish_keyceremony_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c keyceremony -n "__fish_keyceremony_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -s V -l version -d 'Print version'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "demo" -d 'Run a complete batch genesis on the example plan, with every medium a subdirectory of DIR; prints where everything went'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "plan" -d 'Write or check a ceremony plan'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "genesis" -d 'Run a genesis ceremony from a plan, in batch mode (no prompts)'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "renew" -d 'Renew the key: new expiry for the primary and every subkey (also when expired), new backups, export'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "rotate" -d 'Replace the primary key: a new key as in genesis, cross-certified, and a rotation statement signed by both'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "verify" -d 'Online side: check an export bundle from a pinned fingerprint or a state file'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "install" -d 'Online side: verify a bundle, then install its keyring, policy and lookaside below ROOT'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "certify" -d 'Certify another key\'s user IDs with the primary, optionally as a trusted introducer for a domain'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "reshare" -d 'New custodians: a new passphrase and share set, every backup re-encrypted, the old set retired'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "subkey" -d 'Rotate a subkey (a new one replaces it) or revoke one, keeping the primary'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "lost-card" -d 'A card is lost: record it, and keep its subkeys or rotate every subkey it held'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "restore" -d 'Combine k shares, open a backup in memory with them, and prove it by fingerprint'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "shares" -d 'Split a passphrase into shares, combine shares, or check them'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "media" -d 'Sticks by label: list them, mount one at /media/LABEL, sync and unmount it'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "generate-docs" -d 'Write the man pages and shell completions (bash, zsh, fish) into DIR/man and DIR/completions'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "live-exec" -d 'Run COMMAND with SIGINT and SIGQUIT at their defaults (the live image\'s init starts each console\'s session through it)'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "airgap-check" -d 'Check that this machine is fit for a ceremony: network, radios, swap, core dumps, clock'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "card" -d 'List, inspect and provision OpenPGP cards (YubiKeys) through pcscd'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "cosign" -d 'The cosign key\'s own ceremonies: rotate it, revoke it, or write the one a backup keeps as a new key file'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "hsm" -d 'PKCS#11 tokens (HSMs) for the cosign key: list them, put a backup\'s key into one'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "piv" -d 'YubiKey PIV tokens for the cosign key: list them, show one, put a backup\'s key into one'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "tui" -d 'Open the terminal UI: genesis and restore, step by step (also: no command at all)'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "transcript" -d 'Check ceremony transcripts'
complete -c keyceremony -n "__fish_keyceremony_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand demo" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand plan; and not __fish_seen_subcommand_from init check help" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand plan; and not __fish_seen_subcommand_from init check help" -f -a "init" -d 'Write a commented example plan (never overwrites)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand plan; and not __fish_seen_subcommand_from init check help" -f -a "check" -d 'Read a plan, report every problem, and summarise what it will do'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand plan; and not __fish_seen_subcommand_from init check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand plan; and __fish_seen_subcommand_from init" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand plan; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "init" -d 'Write a commented example plan (never overwrites)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "check" -d 'Read a plan, report every problem, and summarise what it will do'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand plan; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand genesis" -l plan -d 'The plan to carry out' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand genesis" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand genesis" -l airgap-root -d 'Read /sys and /proc for the air-gap check below this directory (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand genesis" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand renew" -l expiry -d 'The primary\'s new expiry: a duration from now (2y, 52w, 365d) or a date (2027-12-31); default: the plan\'s [key] expiry' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand renew" -l subkey-expiry -d 'Every subkey\'s new expiry, as --expiry; default: the plan\'s [subkeys] expiry' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand renew" -l card-pins -d 'The cards\' PIN file: prove each card holding the key against the renewed cert' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand renew" -l plan -d 'The plan (media, air gap, operator and witnesses, subkey expiry)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand renew" -l backup -d 'The ceremony directory on a backup medium holding the key' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand renew" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand renew" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand renew" -l airgap-root -d 'Read /sys and /proc for the air-gap check below this directory (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand renew" -l allow-older-backup -d 'Open the backup even though a later ceremony on its medium superseded it (a newer backup of the key, or a rotation that retired the key); recorded'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand renew" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand rotate" -l reason -d 'Why: one line, in the signed statement' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand rotate" -l transition -d 'How long the old key\'s signatures stay trusted: a duration (30d) or a date' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand rotate" -l plan -d 'The plan (media, air gap, operator and witnesses, subkey expiry)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand rotate" -l backup -d 'The ceremony directory on a backup medium holding the key' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand rotate" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand rotate" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand rotate" -l airgap-root -d 'Read /sys and /proc for the air-gap check below this directory (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand rotate" -l allow-older-backup -d 'Open the backup even though a later ceremony on its medium superseded it (a newer backup of the key, or a rotation that retired the key); recorded'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand verify" -l trust -d 'The trusted primary fingerprint (with --state: the key a new state file pins)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand verify" -l state -d 'A state file: pins the key on first use (or --trust\'s), follows it through rotations, remembers the bundle accepted' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand verify" -l at -d 'Judge at this time instead of now: a date (2027-06-01) or a duration from now (400d)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand verify" -l witnesses -d 'A directory of the witnesses\' certs, one per file: with --require, the ceremony must have been countersigned on their cards (docs/witnesses.md)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand verify" -l require -d 'How many of the --witnesses must have signed the ceremony\'s statement' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand verify" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand install" -l root -d 'Where the installed system\'s root is (a chroot, an image\'s root); paths in the policy are as that system sees them' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand install" -l kubernetes -d 'Also write the cluster\'s admission policies (sigstore policy-controller and Kyverno, JSON for `kubectl apply -f DIR`) into this existing directory' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand install" -l trust -d 'The trusted primary fingerprint (with --state: the key a new state file pins)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand install" -l state -d 'A state file: pins the key on first use (or --trust\'s), follows it through rotations, remembers the bundle accepted' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand install" -l at -d 'Judge at this time instead of now: a date (2027-06-01) or a duration from now (400d)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand install" -l witnesses -d 'A directory of the witnesses\' certs, one per file: with --require, the ceremony must have been countersigned on their cards (docs/witnesses.md)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand install" -l require -d 'How many of the --witnesses must have signed the ceremony\'s statement' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand install" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand install" -l replace-local -d 'Replace a local policy rule for a scope the bundle declares (kept and shown otherwise)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand install" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l cert -d 'The cert to certify (armored or binary)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l user-id -d 'A user ID to certify, exactly as in the cert; repeatable [default: every valid one]' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l level -d 'Certification level: 0, 1, 2 or 3' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l expiry -d 'When the certification ends: a duration from now (1y, 90d) or a date [default: never]' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l trust-depth -d 'Make it a trust signature of this depth (1: the key may introduce others)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l trust-domain -d 'Limit the trust to user IDs in this mail domain (and its subdomains)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l plan -d 'The plan (media, air gap, operator and witnesses, subkey expiry)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l backup -d 'The ceremony directory on a backup medium holding the key' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l airgap-root -d 'Read /sys and /proc for the air-gap check below this directory (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l trust-partial -d 'Partial trust (amount 60) instead of full (120)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -l allow-older-backup -d 'Open the backup even though a later ceremony on its medium superseded it (a newer backup of the key, or a rotation that retired the key); recorded'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand certify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand reshare" -l plan -d 'The plan (media, air gap, operator and witnesses, subkey expiry)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand reshare" -l backup -d 'The ceremony directory on a backup medium holding the key' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand reshare" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand reshare" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand reshare" -l airgap-root -d 'Read /sys and /proc for the air-gap check below this directory (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand reshare" -l allow-older-backup -d 'Open the backup even though a later ceremony on its medium superseded it (a newer backup of the key, or a rotation that retired the key); recorded'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand reshare" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and not __fish_seen_subcommand_from rotate revoke help" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and not __fish_seen_subcommand_from rotate revoke help" -f -a "rotate" -d 'A new subkey for a role; the one it replaces revoked as superseded, or left valid until a date'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and not __fish_seen_subcommand_from rotate revoke help" -f -a "revoke" -d 'Revoke a subkey without a replacement'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and not __fish_seen_subcommand_from rotate revoke help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l role -d 'signing, encryption or authentication' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l signing-role -d 'With --role signing: the named signing role whose subkey is replaced (two-person signing, docs/two-person.md); only its cards take the new one. Without it, the default role\'s. A role the key does not have yet is added' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l keep-old-until -d 'Leave the old subkey valid until then (a date or a duration from now) instead of revoking it now' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l reason -d 'Why, in a few words (into the old subkey\'s revocation and the transcript)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l card-pins -d 'The ceremony\'s card PIN file: the cards taking the new subkey keep these PINs' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l plan -d 'The plan (media, air gap, operator and witnesses, subkey expiry)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l backup -d 'The ceremony directory on a backup medium holding the key' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l airgap-root -d 'Read /sys and /proc for the air-gap check below this directory (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -l allow-older-backup -d 'Open the backup even though a later ceremony on its medium superseded it (a newer backup of the key, or a rotation that retired the key); recorded'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from revoke" -l fingerprint -d 'The subkey\'s fingerprint' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from revoke" -l reason -d 'compromised or retired' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from revoke" -l plan -d 'The plan (media, air gap, operator and witnesses, subkey expiry)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from revoke" -l backup -d 'The ceremony directory on a backup medium holding the key' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from revoke" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from revoke" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from revoke" -l airgap-root -d 'Read /sys and /proc for the air-gap check below this directory (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from revoke" -l allow-older-backup -d 'Open the backup even though a later ceremony on its medium superseded it (a newer backup of the key, or a rotation that retired the key); recorded'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'A new subkey for a role; the one it replaces revoked as superseded, or left valid until a date'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke a subkey without a replacement'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand subkey; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -l serial -d 'The lost card\'s serial (8 hex digits, as `card list` and the transcripts show it)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -l card-pins -d 'The ceremony\'s card PIN file: the cards taking the new subkeys keep these PINs' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -l plan -d 'The plan (media, air gap, operator and witnesses, subkey expiry)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -l backup -d 'The ceremony directory on a backup medium holding the key' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -l airgap-root -d 'Read /sys and /proc for the air-gap check below this directory (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -l keep -d 'Keep its subkeys: record the loss only'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -l rotate -d 'Rotate every subkey it held'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -l allow-older-backup -d 'Open the backup even though a later ceremony on its medium superseded it (a newer backup of the key, or a rotation that retired the key); recorded'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand lost-card" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand restore" -l backup -d 'The ceremony directory on a backup medium (holds secret-key.asc and shares.json)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand restore" -l identity -d 'age identity file (age-keygen format) for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand restore" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and not __fish_seen_subcommand_from split combine show verify help" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and not __fish_seen_subcommand_from split combine show verify help" -f -a "split" -d 'Split a BIP39 passphrase (12 or 24 words) into share sheets and QR codes'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and not __fish_seen_subcommand_from split combine show verify help" -f -a "combine" -d 'Combine shares into the passphrase and hand it to a file or descriptor'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and not __fish_seen_subcommand_from split combine show verify help" -f -a "show" -d 'Show one share: its sheet and its QR code in the terminal (for a custodian, alone)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and not __fish_seen_subcommand_from split combine show verify help" -f -a "verify" -d 'Check that share files read correctly and belong together; prints no secret'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and not __fish_seen_subcommand_from split combine show verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from split" -l threshold -d 'How many shares restore the passphrase' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from split" -l count -d 'How many shares to make (at most 16)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from split" -l passphrase-file -d 'The passphrase words: a path, or fd:N for an open file descriptor' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from split" -l out -d 'Directory for the sheets, QR codes and shares.json (files are never overwritten)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from split" -l fingerprint -d 'Primary fingerprint to print on the sheets' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from split" -l custodian -d 'Custodian names, one per share, in order' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from split" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from combine" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from combine" -l check -d 'shares.json from the backup: the result must match its check value (required: an unchecked combination of a forged share would be a wrong passphrase)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from combine" -l out -d 'Where the passphrase goes: a new file (mode 0600) or fd:N' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from combine" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from show" -l identity -d 'age identity file for an age-encrypted share' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from verify" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from verify" -l check -d 'shares.json from the backup: with enough shares, check they combine to it' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from help" -f -a "split" -d 'Split a BIP39 passphrase (12 or 24 words) into share sheets and QR codes'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from help" -f -a "combine" -d 'Combine shares into the passphrase and hand it to a file or descriptor'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from help" -f -a "show" -d 'Show one share: its sheet and its QR code in the terminal (for a custodian, alone)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check that share files read correctly and belong together; prints no secret'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand shares; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and not __fish_seen_subcommand_from list mount unmount help" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and not __fish_seen_subcommand_from list mount unmount help" -f -a "list" -d 'Every labelled file system (udev\'s /dev/disk/by-label) and where it is mounted'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and not __fish_seen_subcommand_from list mount unmount help" -f -a "mount" -d 'Mount the stick labelled LABEL read-write at /media/LABEL (vfat, exfat or ext4)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and not __fish_seen_subcommand_from list mount unmount help" -f -a "unmount" -d 'Write everything out to the stick and unmount it, so that it can be pulled out'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and not __fish_seen_subcommand_from list mount unmount help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and __fish_seen_subcommand_from list" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and __fish_seen_subcommand_from mount" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and __fish_seen_subcommand_from unmount" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every labelled file system (udev\'s /dev/disk/by-label) and where it is mounted'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and __fish_seen_subcommand_from help" -f -a "mount" -d 'Mount the stick labelled LABEL read-write at /media/LABEL (vfat, exfat or ext4)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and __fish_seen_subcommand_from help" -f -a "unmount" -d 'Write everything out to the stick and unmount it, so that it can be pulled out'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand media; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand generate-docs" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand live-exec" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand airgap-check" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand airgap-check" -l root -d 'Read /sys and /proc below this directory instead of / (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand airgap-check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and not __fish_seen_subcommand_from list readers status provision prove help" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and not __fish_seen_subcommand_from list readers status provision prove help" -f -a "list" -d 'Every OpenPGP card in a reader: serial, keys, PIN tries'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and not __fish_seen_subcommand_from list readers status provision prove help" -f -a "readers" -d 'Every smart-card reader pcscd sees, and whether a card is in it (any card, not only OpenPGP)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and not __fish_seen_subcommand_from list readers status provision prove help" -f -a "status" -d 'One card, by serial (8 hex digits) or ident'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and not __fish_seen_subcommand_from list readers status provision prove help" -f -a "provision" -d 'Put a restored key\'s subkeys on a card (a replacement, or a card a ceremony could not finish)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and not __fish_seen_subcommand_from list readers status provision prove help" -f -a "prove" -d 'Sign a fresh challenge on a card with the user PIN and verify it against the cert'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and not __fish_seen_subcommand_from list readers status provision prove help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from list" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from readers" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from readers" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from status" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l backup -d 'The ceremony directory on a backup medium' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l serial -d 'The card (8 hex digits); required when more than one card is present' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l pins -d 'The PIN file a ceremony handed over (user-pin:/admin-pin: lines), for the same PINs on every card' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l new-pins-to -d 'Generate new PINs and hand them to this new file or fd:N' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l reset -d 'Confirm a factory reset of the card with this serial first' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l cardholder -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l url -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l touch -d 'Touch policy of the card\'s key slots' -r -f -a "off\t'Leave the card\'s touch policy as it is'
on\t'A touch for every use of a key'
cached\t'A touch, then 15 s without'
fixed\t'A touch for every use, until the next factory reset'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l signing-role -d 'The named signing role this card holds (two-person signing, docs/two-person.md): its signing slot takes that role\'s subkey. Without it, the default role\'s ("release")' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -l kdf -d 'Hash PINs on this host (KDF-DO) if the card offers it; set before the PINs'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from provision" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from prove" -l serial -d 'The card (8 hex digits)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from prove" -l cert -d 'The public cert (cert.asc from the export or a backup)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from prove" -l pins -d 'The PIN file a ceremony handed over' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from prove" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every OpenPGP card in a reader: serial, keys, PIN tries'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from help" -f -a "readers" -d 'Every smart-card reader pcscd sees, and whether a card is in it (any card, not only OpenPGP)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from help" -f -a "status" -d 'One card, by serial (8 hex digits) or ident'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from help" -f -a "provision" -d 'Put a restored key\'s subkeys on a card (a replacement, or a card a ceremony could not finish)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from help" -f -a "prove" -d 'Sign a fresh challenge on a card with the user PIN and verify it against the cert'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand card; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and not __fish_seen_subcommand_from rotate revoke key-file help" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and not __fish_seen_subcommand_from rotate revoke key-file help" -f -a "rotate" -d 'Replace the key\'s cosign key by a new one where the plan\'s [cosign] puts it (any tier), bound by the primary, with a rotation statement both sign: new backups, shares unchanged, a new bundle'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and not __fish_seen_subcommand_from rotate revoke key-file help" -f -a "revoke" -d 'Revoke the key\'s cosign key with no replacement: every policy made from the new bundle drops it at once (no transition), and the key\'s signed list of revoked cosign keys names it in every later bundle'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and not __fish_seen_subcommand_from rotate revoke key-file help" -f -a "key-file" -d 'Write the cosign key a backup keeps as a new cosign key file (cosign.key) under a new password: for a CI secret store that lost it'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and not __fish_seen_subcommand_from rotate revoke key-file help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from rotate" -l reason -d 'Why the key is replaced' -r -f -a "scheduled\t'the yearly rotation: clusters accept the old key\'s signatures until the transition ends'
compromised\t'the key, its password or a token holding it leaked: its signatures stand nowhere from this bundle on'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from rotate" -l transition -d 'How long clusters accept the old key\'s signatures: a duration or a date (default 30d; not with compromised)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from rotate" -l plan -d 'The plan (media, air gap, operator and witnesses, subkey expiry)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from rotate" -l backup -d 'The ceremony directory on a backup medium holding the key' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from rotate" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from rotate" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from rotate" -l airgap-root -d 'Read /sys and /proc for the air-gap check below this directory (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from rotate" -l allow-older-backup -d 'Open the backup even though a later ceremony on its medium superseded it (a newer backup of the key, or a rotation that retired the key); recorded'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from rotate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from revoke" -l reason -d 'Why the key is revoked' -r -f -a "compromised\t'the key, its password or a token holding it leaked: every policy drops it with this bundle'
retired\t'the key is no longer used: every policy drops it with this bundle; what it signed before was good'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from revoke" -l plan -d 'The plan (media, air gap, operator and witnesses, subkey expiry)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from revoke" -l backup -d 'The ceremony directory on a backup medium holding the key' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from revoke" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from revoke" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from revoke" -l airgap-root -d 'Read /sys and /proc for the air-gap check below this directory (for testing)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from revoke" -l destroy-in-token -d 'Also destroy the key in the HSM it is in, which the plan\'s [cosign] names (tier = "pkcs11": module, token, pin_from); recorded in the transcript either way'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from revoke" -l allow-older-backup -d 'Open the backup even though a later ceremony on its medium superseded it (a newer backup of the key, or a rotation that retired the key); recorded'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from revoke" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from key-file" -l backup -d 'The ceremony directory on a backup medium' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from key-file" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from key-file" -l to -d 'The directory that gets cosign.key (never over an existing one)' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from key-file" -l password-to -d 'Where the new password is handed over: a new file or fd:N' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from key-file" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from help" -f -a "rotate" -d 'Replace the key\'s cosign key by a new one where the plan\'s [cosign] puts it (any tier), bound by the primary, with a rotation statement both sign: new backups, shares unchanged, a new bundle'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from help" -f -a "revoke" -d 'Revoke the key\'s cosign key with no replacement: every policy made from the new bundle drops it at once (no transition), and the key\'s signed list of revoked cosign keys names it in every later bundle'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from help" -f -a "key-file" -d 'Write the cosign key a backup keeps as a new cosign key file (cosign.key) under a new password: for a CI secret store that lost it'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand cosign; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and not __fish_seen_subcommand_from list provision help" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and not __fish_seen_subcommand_from list provision help" -f -a "list" -d 'Every token the module offers: label, maker, model, serial, user PIN state'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and not __fish_seen_subcommand_from list provision help" -f -a "provision" -d 'Import the cosign key a backup keeps into a token: a replacement for a lost or broken HSM'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and not __fish_seen_subcommand_from list provision help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from list" -l module -d 'The PKCS#11 module (a shared library) of the HSM' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from list" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from provision" -l backup -d 'The ceremony directory on a backup medium' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from provision" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from provision" -l module -d 'The PKCS#11 module (a shared library) of the HSM' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from provision" -l token -d 'The token\'s label (`keyceremony hsm list`)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from provision" -l label -d 'The key\'s label in the token' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from provision" -l pin-from -d 'Where the token\'s user PIN is read: a file or fd:N (its first line; never stored)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from provision" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every token the module offers: label, maker, model, serial, user PIN state'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from help" -f -a "provision" -d 'Import the cosign key a backup keeps into a token: a replacement for a lost or broken HSM'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand hsm; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and not __fish_seen_subcommand_from list status provision help" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and not __fish_seen_subcommand_from list status provision help" -f -a "list" -d 'Every YubiKey with a PIV application: serial, firmware, PIN and PUK tries, slot 9c'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and not __fish_seen_subcommand_from list status provision help" -f -a "status" -d 'One YubiKey\'s PIV state: tries left, whether it is in its factory state, the key and certificate in slot 9c'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and not __fish_seen_subcommand_from list status provision help" -f -a "provision" -d 'Import the cosign key a backup keeps into a YubiKey in its factory state: a replacement for a lost one'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and not __fish_seen_subcommand_from list status provision help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from list" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from status" -l output-format -r -f -a "human\t'Text for people'
json\t'One JSON document for programs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from provision" -l backup -d 'The ceremony directory on a backup medium' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from provision" -l identity -d 'age identity file for age-encrypted shares; repeatable' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from provision" -l serial -d 'The YubiKey\'s serial (decimal, as `keyceremony piv list` shows it)' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from provision" -l pins-to -d 'Where the token\'s new PIN and PUK are handed over: a new file or fd:N' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from provision" -l pins-from -d 'Give the token the PIN and PUK its siblings have instead: the sheet a ceremony handed over (a file or fd:N), so that one PIN serves them all' -r
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from provision" -l pin-policy -d 'When the token asks for its PIN' -r -f -a "always\t'The PIN before every signature (the YubiKey\'s default for slot 9c)'
once\t'The PIN once per session'
never\t'No PIN: whoever holds the token signs'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from provision" -l touch-policy -d 'When the token asks for a touch' -r -f -a "never\t'No touch'
always\t'A touch for every signature'
cached\t'A touch, then 15 s without'"
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from provision" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from help" -f -a "list" -d 'Every YubiKey with a PIV application: serial, firmware, PIN and PUK tries, slot 9c'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from help" -f -a "status" -d 'One YubiKey\'s PIV state: tries left, whether it is in its factory state, the key and certificate in slot 9c'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from help" -f -a "provision" -d 'Import the cosign key a backup keeps into a YubiKey in its factory state: a replacement for a lost one'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand piv; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand tui" -l plan -d 'The plan to pre-fill the forms with [default: the example plan]' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand tui" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand transcript; and not __fish_seen_subcommand_from verify help" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand transcript; and not __fish_seen_subcommand_from verify help" -f -a "verify" -d 'Check transcripts\' hash chains and signatures; given several, a key\'s whole history'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand transcript; and not __fish_seen_subcommand_from verify help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand transcript; and __fish_seen_subcommand_from verify" -l cert -d 'The public cert of the primary [default: cert.asc beside each transcript]' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand transcript; and __fish_seen_subcommand_from verify" -l signature -d 'The detached signature, for one transcript [default: FILE.asc]' -r -F
complete -c keyceremony -n "__fish_keyceremony_using_subcommand transcript; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand transcript; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check transcripts\' hash chains and signatures; given several, a key\'s whole history'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand transcript; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "demo" -d 'Run a complete batch genesis on the example plan, with every medium a subdirectory of DIR; prints where everything went'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "plan" -d 'Write or check a ceremony plan'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "genesis" -d 'Run a genesis ceremony from a plan, in batch mode (no prompts)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "renew" -d 'Renew the key: new expiry for the primary and every subkey (also when expired), new backups, export'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "rotate" -d 'Replace the primary key: a new key as in genesis, cross-certified, and a rotation statement signed by both'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "verify" -d 'Online side: check an export bundle from a pinned fingerprint or a state file'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "install" -d 'Online side: verify a bundle, then install its keyring, policy and lookaside below ROOT'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "certify" -d 'Certify another key\'s user IDs with the primary, optionally as a trusted introducer for a domain'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "reshare" -d 'New custodians: a new passphrase and share set, every backup re-encrypted, the old set retired'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "subkey" -d 'Rotate a subkey (a new one replaces it) or revoke one, keeping the primary'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "lost-card" -d 'A card is lost: record it, and keep its subkeys or rotate every subkey it held'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "restore" -d 'Combine k shares, open a backup in memory with them, and prove it by fingerprint'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "shares" -d 'Split a passphrase into shares, combine shares, or check them'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "media" -d 'Sticks by label: list them, mount one at /media/LABEL, sync and unmount it'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "generate-docs" -d 'Write the man pages and shell completions (bash, zsh, fish) into DIR/man and DIR/completions'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "live-exec" -d 'Run COMMAND with SIGINT and SIGQUIT at their defaults (the live image\'s init starts each console\'s session through it)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "airgap-check" -d 'Check that this machine is fit for a ceremony: network, radios, swap, core dumps, clock'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "card" -d 'List, inspect and provision OpenPGP cards (YubiKeys) through pcscd'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "cosign" -d 'The cosign key\'s own ceremonies: rotate it, revoke it, or write the one a backup keeps as a new key file'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "hsm" -d 'PKCS#11 tokens (HSMs) for the cosign key: list them, put a backup\'s key into one'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "piv" -d 'YubiKey PIV tokens for the cosign key: list them, show one, put a backup\'s key into one'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "tui" -d 'Open the terminal UI: genesis and restore, step by step (also: no command at all)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "transcript" -d 'Check ceremony transcripts'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and not __fish_seen_subcommand_from demo plan genesis renew rotate verify install certify reshare subkey lost-card restore shares media generate-docs live-exec airgap-check card cosign hsm piv tui transcript help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from plan" -f -a "init" -d 'Write a commented example plan (never overwrites)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from plan" -f -a "check" -d 'Read a plan, report every problem, and summarise what it will do'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from subkey" -f -a "rotate" -d 'A new subkey for a role; the one it replaces revoked as superseded, or left valid until a date'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from subkey" -f -a "revoke" -d 'Revoke a subkey without a replacement'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from shares" -f -a "split" -d 'Split a BIP39 passphrase (12 or 24 words) into share sheets and QR codes'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from shares" -f -a "combine" -d 'Combine shares into the passphrase and hand it to a file or descriptor'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from shares" -f -a "show" -d 'Show one share: its sheet and its QR code in the terminal (for a custodian, alone)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from shares" -f -a "verify" -d 'Check that share files read correctly and belong together; prints no secret'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from media" -f -a "list" -d 'Every labelled file system (udev\'s /dev/disk/by-label) and where it is mounted'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from media" -f -a "mount" -d 'Mount the stick labelled LABEL read-write at /media/LABEL (vfat, exfat or ext4)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from media" -f -a "unmount" -d 'Write everything out to the stick and unmount it, so that it can be pulled out'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from card" -f -a "list" -d 'Every OpenPGP card in a reader: serial, keys, PIN tries'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from card" -f -a "readers" -d 'Every smart-card reader pcscd sees, and whether a card is in it (any card, not only OpenPGP)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from card" -f -a "status" -d 'One card, by serial (8 hex digits) or ident'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from card" -f -a "provision" -d 'Put a restored key\'s subkeys on a card (a replacement, or a card a ceremony could not finish)'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from card" -f -a "prove" -d 'Sign a fresh challenge on a card with the user PIN and verify it against the cert'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from cosign" -f -a "rotate" -d 'Replace the key\'s cosign key by a new one where the plan\'s [cosign] puts it (any tier), bound by the primary, with a rotation statement both sign: new backups, shares unchanged, a new bundle'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from cosign" -f -a "revoke" -d 'Revoke the key\'s cosign key with no replacement: every policy made from the new bundle drops it at once (no transition), and the key\'s signed list of revoked cosign keys names it in every later bundle'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from cosign" -f -a "key-file" -d 'Write the cosign key a backup keeps as a new cosign key file (cosign.key) under a new password: for a CI secret store that lost it'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from hsm" -f -a "list" -d 'Every token the module offers: label, maker, model, serial, user PIN state'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from hsm" -f -a "provision" -d 'Import the cosign key a backup keeps into a token: a replacement for a lost or broken HSM'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from piv" -f -a "list" -d 'Every YubiKey with a PIV application: serial, firmware, PIN and PUK tries, slot 9c'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from piv" -f -a "status" -d 'One YubiKey\'s PIV state: tries left, whether it is in its factory state, the key and certificate in slot 9c'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from piv" -f -a "provision" -d 'Import the cosign key a backup keeps into a YubiKey in its factory state: a replacement for a lost one'
complete -c keyceremony -n "__fish_keyceremony_using_subcommand help; and __fish_seen_subcommand_from transcript" -f -a "verify" -d 'Check transcripts\' hash chains and signatures; given several, a key\'s whole history'
