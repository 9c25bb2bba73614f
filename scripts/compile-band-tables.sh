#!/usr/bin/env bash
# Writes Sources/VerdantLocal/BuiltInBandTables.swift from collections/*.toml: the band tables
# compiled into verdant. Run after editing a table (BandTableTests fails until you do).
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/VerdantLocal/BuiltInBandTables.swift
{
    echo '// The band tables of collections/*.toml compiled into the program: written by'
    echo '// scripts/compile-band-tables.sh; a test keeps each text identical to its file.'
    echo 'enum BuiltInBandTables {'
    echo '    static let texts: [(file: String, toml: String)] = ['
    for f in collections/*.toml; do
        echo "        (\"$f\", #\"\"\""
        sed 's/^\(.\)/        \1/' "$f"
        echo '        """#),'
    done
    echo '    ]'
    echo '}'
} > "$out"
echo "wrote $out"
