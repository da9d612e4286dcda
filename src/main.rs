use std::process::ExitCode;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use sockscope::app::no_window::NoWindow;
use sockscope::i18n::Language;
use sockscope::{App, Cli, StartOptions};

fn main() -> ExitCode {
    keep_freed_memory_for_the_next_frame();
    let mut options = StartOptions::from(Cli::parse_localized());
    if let Some(start) = &options.headless {
        return sockscope::headless::run(&options, start);
    }
    let language = options.language.unwrap_or_else(Language::of_system);
    // For benchmarks in a real window: a line per frame (see `app::frame_report`).
    options.frame_report = std::env::var_os("SOCKSCOPE_FRAME_REPORT").map(Into::into);
    let context: Arc<OnceLock<egui::Context>> = Arc::default();
    close_on_signal(Arc::clone(&context));
    let native_options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("Sockscope")
            .with_app_id("sockscope")
            .with_inner_size([1100.0, 720.0])
            // The smallest size every tab is tested to fit (tests/it/ui_fit.rs).
            .with_min_inner_size([800.0, 600.0])
            .with_icon(icon()),
        renderer: renderer(),
        // The window has no gradients to band, and dithering costs a software renderer.
        dithering: false,
        ..Default::default()
    };
    let ran = eframe::run_native(
        "Sockscope",
        native_options,
        Box::new(move |cc| {
            let _ = context.set(cc.egui_ctx.clone());
            Ok(Box::new(App::new(cc, &options)))
        }),
    );
    match ran {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let display = std::env::var("DISPLAY")
                .or_else(|_| std::env::var("WAYLAND_DISPLAY"))
                .ok();
            eprintln!("{}", NoWindow::of(&error, display).message(language));
            ExitCode::from(2)
        }
    }
}

/// Every frame allocates and frees the same large buffers (egui's meshes, and the software
/// renderer's vertex and command buffers). glibc hands a free block over 128 KiB at the top of
/// its heap back to the kernel at once, so each frame faulted the same pages in again, zeroed
/// (perf: page faults and brk were an eighth of the samples). Keeping up to 32 MiB cut the CPU
/// in a real window at 100 datagrams a second from 35.5% to 27.3%, at 10 from 9.9% to 9.0%.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn keep_freed_memory_for_the_next_frame() {
    // SAFETY: mallopt only sets allocator parameters; it runs before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 32 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory_for_the_next_frame() {}

/// The window's icon (the desktop entry's too). A PNG that fails to decode leaves the default.
fn icon() -> egui::IconData {
    eframe::icon_data::from_png_bytes(include_bytes!("../assets/sockscope.png")).unwrap_or_default()
}

/// Glow draws a frame for a fifth of wgpu's CPU in a window without a GPU (README, Performance).
#[cfg(not(windows))]
const DEFAULT_RENDERER: eframe::Renderer = eframe::Renderer::Glow;
/// Windows without a GPU has OpenGL 1.1 only; wgpu falls back to Direct3D's WARP there.
#[cfg(windows)]
const DEFAULT_RENDERER: eframe::Renderer = eframe::Renderer::Wgpu;

/// The renderer: `SOCKSCOPE_RENDERER=glow|wgpu` overrides the default, so both can be measured
/// (wgpu needs the `wgpu` feature outside Windows).
fn renderer() -> eframe::Renderer {
    match std::env::var("SOCKSCOPE_RENDERER") {
        Ok(name) => name.parse().unwrap_or_else(|error| {
            eprintln!("sockscope: {error}; using {DEFAULT_RENDERER}");
            DEFAULT_RENDERER
        }),
        Err(_) => DEFAULT_RENDERER,
    }
}

/// Ctrl+C or SIGTERM closes the window the normal way, so the app saves its settings and
/// finishes its recording. If the window does not start closing in time, exit anyway.
fn close_on_signal(context: Arc<OnceLock<egui::Context>>) {
    let installed = ctrlc::set_handler(move || {
        if let Some(ctx) = context.get() {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            ctx.request_repaint();
            std::thread::sleep(Duration::from_secs(5));
            // Closing has begun: completing a large recording may take a while, and cutting
            // it short would lose its tail. The process ends when `run_native` returns.
            while sockscope::app::exit_started() {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        std::process::exit(130);
    });
    if let Err(error) = installed {
        eprintln!("sockscope: cannot handle Ctrl+C: {error}");
    }
}
