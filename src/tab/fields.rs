//! The parsers of the fields a user types (host, address, port, sizes, paths): each gives the
//! value or a message in the user's language, shown beside the field.

use std::net::IpAddr;
use std::path::PathBuf;

use crate::i18n::{Language, tr};

/// The largest memory cap and split size one can type: far beyond any sane use, small enough
/// that the byte count cannot overflow.
const MAX_MIB: u64 = 1024 * 1024;

/// A size field in MiB, as bytes; the message starts with `what`, the field's label in `lang`.
pub(super) fn parse_mib(text: &str, what: &str, lang: Language) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(mib @ 1..=MAX_MIB) => Ok(mib * 1024 * 1024),
        _ => Err(tr!(lang, "errors.mib", what = what, max = MAX_MIB).into_owned()),
    }
}

/// A file path field: not empty, and in a folder that exists.
pub(super) fn parse_path(text: &str, lang: Language) -> Result<PathBuf, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(tr!(lang, "errors.path.empty").into_owned());
    }
    let path = PathBuf::from(text);
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(folder) = folder
        && !folder.is_dir()
    {
        let folder = folder.display();
        return Err(tr!(lang, "errors.path.no_folder", folder = folder).into_owned());
    }
    Ok(path)
}

/// A host field: a name or an IP literal; IPv6 may come in brackets.
pub(super) fn parse_host(text: &str, lang: Language) -> Result<String, String> {
    let text = text.trim();
    let host = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    if host.is_empty() {
        return Err(tr!(lang, "errors.host.empty").into_owned());
    }
    if host.contains(char::is_whitespace) {
        return Err(tr!(lang, "errors.host.spaces").into_owned());
    }
    if host.contains(char::is_control) {
        return Err(tr!(lang, "errors.host.control").into_owned());
    }
    Ok(host.to_owned())
}

/// A local address field: an IP literal (the UI does no DNS); IPv6 may come in brackets.
pub(super) fn parse_ip(text: &str, lang: Language) -> Result<IpAddr, String> {
    let text = text.trim();
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    inner
        .parse()
        .map_err(|_| tr!(lang, "errors.ip.invalid", text = text).into_owned())
}

/// A port field. Port 0 (let the OS choose) only makes sense for a local port.
pub(super) fn parse_port(text: &str, allow_zero: bool, lang: Language) -> Result<u16, String> {
    let text = text.trim();
    match text.parse::<u16>() {
        Ok(0) if !allow_zero => Err(tr!(lang, "errors.port.zero").into_owned()),
        Ok(port) => Ok(port),
        Err(_) if text.is_empty() => Err(tr!(lang, "errors.port.empty").into_owned()),
        Err(_) => Err(tr!(lang, "errors.port.invalid", text = text).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: Language = Language::English;
    const ZH: Language = Language::SimplifiedChinese;

    #[test]
    fn validates_fields_with_messages() {
        assert_eq!(parse_host(" [::1] ", EN), Ok("::1".to_owned()));
        assert!(parse_host("", EN).is_err());
        assert_eq!(
            parse_host("bad\0name", EN),
            Err("A host name cannot contain control characters".to_owned())
        );
        assert_eq!(parse_ip("[::]", EN), Ok(IpAddr::from([0u16; 8])));
        assert!(
            parse_ip("localhost", EN)
                .unwrap_err()
                .contains("not an IP address")
        );
        assert_eq!(parse_port("0", true, EN), Ok(0));
        assert!(parse_port("0", false, EN).is_err());
        assert!(
            parse_port("70000", true, EN)
                .unwrap_err()
                .contains("0-65535")
        );
        assert_eq!(parse_port("", true, EN), Err("Enter a port".to_owned()));
        assert_eq!(parse_mib(" 16 ", "Keep", Language::English), Ok(16 << 20));
        assert!(
            parse_mib("0", "Keep", Language::English)
                .unwrap_err()
                .starts_with("Keep: ")
        );
        assert!(parse_mib("1.5", "Keep", Language::English).is_err());
        assert!(parse_path(" ", Language::English).is_err());
        assert_eq!(
            parse_path("log.jsonl", Language::English),
            Ok(PathBuf::from("log.jsonl"))
        );
        let missing = parse_path("/no/such/folder/log.jsonl", Language::English).unwrap_err();
        assert!(missing.contains("/no/such/folder"), "{missing}");
    }

    #[test]
    fn field_errors_speak_the_tab_s_language() {
        let port = |text, allow_zero, lang| parse_port(text, allow_zero, lang).unwrap_err();
        assert_eq!(port("x", true, EN), "'x' is not a port: use 0-65535");
        assert_eq!(port("x", true, ZH), "“x”不是端口：请用 0-65535");
        assert_eq!(port(" ", true, ZH), "请输入端口");
        assert_eq!(
            port("0", false, EN),
            "Port 0 cannot be connected to: use 1-65535"
        );
        assert_eq!(port("0", false, ZH), "不能连接端口 0：请用 1-65535");
        assert_eq!(
            parse_ip("my-pc", ZH),
            Err("“my-pc”不是 IP 地址（如 0.0.0.0、::、127.0.0.1）".to_owned())
        );
        assert_eq!(parse_host("a b", ZH), Err("主机名不能包含空格".to_owned()));
        assert_eq!(
            parse_mib("0", "保留", ZH),
            Err("保留：请输入 1 到 1048576 之间的整数（MiB）".to_owned())
        );
        assert_eq!(
            parse_mib("0", "Keep", Language::English),
            Err("Keep: a whole number of MiB from 1 to 1048576".to_owned())
        );
        assert_eq!(
            parse_path("", ZH),
            Err("请输入文件路径，或点击“浏览…”".to_owned())
        );
    }
}
