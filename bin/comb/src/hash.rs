//! `comb hash <FILE>`: the Swarm reference of a file (spec §1.2 chunk tree), streamed in
//! constant memory.

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::PathBuf;

use anyhow::Context;
use comb_filetree::{split_reader, DiscardSink};

/// Read buffer for the input file.
const BUFFER_SIZE: usize = 64 * 1024;

/// Arguments of `comb hash`.
#[derive(Debug, clap::Args)]
pub struct HashArgs {
    /// The file to hash; `-` reads standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// Splits the file into its chunk tree without keeping the chunks and prints the root
/// reference as 64 lowercase hex digits and a newline.
pub fn run(args: &HashArgs) -> anyhow::Result<()> {
    let root = if args.file.as_os_str() == "-" {
        let stdin = io::stdin().lock();
        split_reader(BufReader::with_capacity(BUFFER_SIZE, stdin), DiscardSink)
            .context("hashing standard input")?
    } else {
        let file =
            File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
        split_reader(BufReader::with_capacity(BUFFER_SIZE, file), DiscardSink)
            .with_context(|| format!("hashing {}", args.file.display()))?
    };
    let mut stdout = io::stdout().lock();
    writeln!(stdout, "{}", hex::encode(root.as_slice()))?;
    stdout.flush()?;
    Ok(())
}
