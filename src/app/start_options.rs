//! What the command line asks for at launch: the app's files (`--log`, `--frame-report`),
//! display options, and a preset that fills one tab's fields and starts it.

use super::App;
use super::frame_report::FrameReport;
use crate::cli::{Preset, StartOptions, TlsStart};
use crate::export::Recorder;
use crate::i18n::tr;
use crate::net::Verify;
use crate::session::Layout;
use crate::tab::Wake;
use crate::tab::{Tab, TabAction, TabSettings, TlsFields, VerifyChoice};

impl App {
    pub(super) fn apply_start_options(&mut self, options: &StartOptions) {
        self.open_launch_files(options);
        let preset_mode = options.preset.as_ref().map(Preset::mode);
        // Display options go to the preset's tab, or to every tab without a preset.
        for tab in &mut self.tabs {
            if preset_mode.is_none_or(|mode| mode == tab.mode) {
                display_options(tab, options, &self.wake);
            } else {
                keep_at_most(tab, options, &self.wake);
            }
        }
        let Some(mode) = preset_mode else { return };
        let wake = self.wake.clone();
        fill_preset(self.tab_mut(mode), options, &wake);
        // Rules from `--auto-reply` that cannot be used say why beside themselves.
        if self.tab(mode).view.auto_errors.iter().any(Option::is_some) {
            self.auto_reply_open = true;
        }
        self.active = mode;
        self.act(mode, TabAction::Start);
    }

    /// `--frame-report` and `--log`; one that cannot be opened is said in the notice line.
    fn open_launch_files(&mut self, options: &StartOptions) {
        if let Some(path) = &options.frame_report {
            match FrameReport::create(path) {
                Ok(report) => self.frame_report = Some(report),
                Err(error) => {
                    let text = tr!(self.language, "app.frame_report_off", error = error);
                    self.notice = Some((text.into_owned(), true));
                }
            }
        }
        if let Some(path) = &options.log {
            match Recorder::start_rotating(path, options.split_bytes) {
                Ok(recorder) => {
                    for tab in &mut self.tabs {
                        tab.set_record_all(recorder.feed());
                    }
                    self.recorder = Some(recorder);
                }
                Err(error) => {
                    let text = tr!(self.language, "app.recording_off", error = error);
                    self.notice = Some((text.into_owned(), true));
                }
            }
        }
    }
}

/// `--encoding`, `--hex`, `--chart` and `--keep-mib` for `tab`.
pub(crate) fn display_options(tab: &mut Tab, options: &StartOptions, wake: &Wake) {
    tab.edit_settings(|settings| {
        if let Some(encoding) = options.encoding {
            settings.encoding = encoding;
        }
        if options.hex {
            settings.view.layout = Layout::Hex;
        }
        if options.chart {
            settings.chart.open = true;
        }
    });
    if let Some(framing) = &options.framing {
        tab.edit_settings(|settings| settings.framing.clone_from(framing));
        tab.handle(TabAction::ApplyFraming, wake);
    }
    keep_at_most(tab, options, wake);
}

/// `--keep-mib` for `tab`.
fn keep_at_most(tab: &mut Tab, options: &StartOptions, wake: &Wake) {
    if let Some(mib) = options.keep_mib {
        tab.edit_settings(|settings| settings.memory_cap_mib = mib.to_string());
        tab.handle(TabAction::ApplyMemoryCap, wake);
    }
}

/// The preset's tab fields, as if the user had typed them (UDP groups joined as if typed into
/// the Group field: remembered until Start), and `--save-data` (before Start, so the file has
/// every byte).
pub(crate) fn fill_preset(tab: &mut Tab, options: &StartOptions, wake: &Wake) {
    let Some(preset) = &options.preset else {
        return;
    };
    let mut groups = Vec::new();
    tab.edit_settings(|settings| fill_fields(settings, preset, options, &mut groups));
    for text in groups {
        tab.edit_settings(|settings| settings.udp.group_input = text);
        tab.handle(TabAction::JoinGroup, wake);
    }
    if let Some(path) = &options.save_data {
        let path = path.display().to_string();
        tab.edit_settings(|settings| settings.capture.raw_path = path);
        tab.handle(TabAction::ToggleRawCapture, wake);
    }
    if options.append.is_some() || options.checksum.is_some() {
        tab.edit_settings(|settings| fill_send(&mut settings.send, options));
    }
    if let Some(rules) = &options.auto_reply {
        tab.edit_settings(|settings| settings.auto_replies.clone_from(&rules.rules));
    }
    if let Some(script) = &options.script {
        tab.edit_settings(|settings| {
            settings.script.source.clone_from(&script.source);
            settings.script.path = script.path.display().to_string();
        });
        tab.handle(TabAction::RunScript, wake);
    }
}

/// `--append` and `--checksum` into the send box's options.
fn fill_send(send: &mut crate::tab::SendFields, options: &StartOptions) {
    use crate::cli::AppendStart;
    use crate::tab::Append;
    match &options.append {
        Some(AppendStart::CrLf) => send.append = Append::CrLf,
        Some(AppendStart::Lf) => send.append = Append::Lf,
        Some(AppendStart::Hex(hex)) => {
            send.append = Append::Custom;
            send.custom_hex.clone_from(hex);
        }
        None => {}
    }
    if let Some((checksum, order)) = options.checksum {
        send.checksum = checksum;
        send.order = order;
    }
}

/// The preset's fields into `settings`; the UDP groups to join go into `groups`.
fn fill_fields(
    settings: &mut TabSettings,
    preset: &Preset,
    options: &StartOptions,
    groups: &mut Vec<String>,
) {
    match preset {
        Preset::TcpClient(target) => {
            settings.host = target.host.clone();
            settings.port = target.port.to_string();
            let client = &mut settings.client;
            set_bind(client, options.client.bind);
            if let Some(interval) = options.client.reconnect {
                client.reconnect = true;
                client.reconnect_secs = interval.as_secs_f64();
                client.reconnect_limit.clear();
            }
            if let Some(text) = &options.client.send_on_connect {
                client.on_connect = text.clone();
                client.on_connect_hex = false;
            }
            start_tls(&mut settings.tls, options.tls.clone());
        }
        Preset::TcpServer(local) => {
            set_local(settings, *local);
            start_tls(&mut settings.tls, options.tls.clone());
            if options.ipv6_only {
                settings.stack = crate::net::Stack::V6Only;
            }
        }
        Preset::Relay {
            listen,
            upstream,
            udp,
        } => {
            settings.relay.udp = *udp;
            set_local(settings, *listen);
            if let Some(verify) = options.tls.upstream.clone() {
                start_tls(
                    &mut settings.relay.upstream_tls,
                    TlsStart {
                        enabled: true,
                        verify: Some(verify),
                        ..TlsStart::default()
                    },
                );
            }
            start_tls(&mut settings.tls, options.tls.clone());
            settings.remote_host = upstream.host.clone();
            settings.remote_port = upstream.port.to_string();
            set_bind(&mut settings.client, options.client.bind);
            if options.ipv6_only {
                settings.stack = crate::net::Stack::V6Only;
            }
        }
        Preset::Udp {
            local,
            to,
            broadcast,
            join,
        } => {
            set_local(settings, *local);
            settings.udp.broadcast |= broadcast;
            groups.extend(join.iter().cloned());
            if options.ipv6_only {
                settings.stack = crate::net::Stack::V6Only;
            }
            if let Some(to) = to {
                settings.remote_host = to.host.clone();
                settings.remote_port = to.port.to_string();
            }
        }
    }
}

/// Where to connect from, if `--bind` said.
fn set_bind(client: &mut crate::tab::ClientFields, bind: Option<std::net::SocketAddr>) {
    if let Some(local) = bind {
        client.local_host = if local.ip().is_unspecified() {
            String::new()
        } else {
            local.ip().to_string()
        };
        client.local_port = local.port().to_string();
    }
}

fn set_local(settings: &mut TabSettings, local: std::net::SocketAddr) {
    settings.host = local.ip().to_string();
    settings.port = local.port().to_string();
}

/// TLS from the command line, into a TCP tab's fields (the client's verification, the
/// server's files); nothing without `--tls` or the options that imply it.
fn start_tls(fields: &mut TlsFields, tls: TlsStart) {
    if !tls.enabled {
        return;
    }
    fields.enabled = true;
    fields.verify = match tls.verify {
        None | Some(Verify::SystemRoots) => VerifyChoice::SystemRoots,
        Some(Verify::Insecure) => VerifyChoice::Insecure,
        Some(Verify::Pinned(pin)) => {
            fields.pin = pin.to_string();
            VerifyChoice::Pinned
        }
    };
    // No files: a certificate made on the spot.
    let (certificate, key) = tls.files.unwrap_or_default();
    fields.certificate = certificate.display().to_string();
    fields.key = key.display().to_string();
}
