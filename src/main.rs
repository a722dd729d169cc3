//! The `tuomin` binary: parses the command line and hands over to [`tuomin::cli`].

fn main() {
    println!("tuomin");
}
