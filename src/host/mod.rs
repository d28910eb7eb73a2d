//! The host side of a server: its process as `/proc` shows it, how it is supervised, and
//! stopping and starting it with waits that last as long as the server is busy.

pub mod process;
pub mod supervisor;
pub mod wait;

pub use process::Process;
pub use supervisor::{Running, Supervisor, SupervisorChoice};
pub use wait::{Server, listening, wait_down};
