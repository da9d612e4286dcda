//! The language of what a user reads: English or 简体中文.
//!
//! The strings live in `locales/en.toml` and `locales/zh-CN.toml`, compiled in by rust-i18n.
//! Every lookup names its language (`tr!`) rather than reading a process-wide
//! one: the app owns the language, and two apps in one process (tests run side by side) can
//! speak different ones.

/// A language the app speaks.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Language {
    #[default]
    English,
    SimplifiedChinese,
}

impl Language {
    pub const ALL: [Self; 2] = [Self::English, Self::SimplifiedChinese];

    /// The locale code of its strings file, and of `--lang`.
    pub fn code(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::SimplifiedChinese => "zh-CN",
        }
    }

    /// Its name in itself, as the language menu lists it.
    pub fn native_name(self) -> &'static str {
        match self {
            Self::English => "English",
            Self::SimplifiedChinese => "简体中文",
        }
    }

    /// The language of a `--lang` value: `en`, `zh-CN` (any case, `_` for `-`, `zh` alone).
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim().replace('_', "-").to_ascii_lowercase().as_str() {
            "en" | "en-us" | "en-gb" => Some(Self::English),
            "zh" | "zh-cn" | "zh-hans" | "zh-sg" => Some(Self::SimplifiedChinese),
            _ => None,
        }
    }

    /// The language for a system locale such as `zh_CN.UTF-8`, `zh-Hans-CN`, `en-US` or `C`:
    /// Chinese for any `zh`, English otherwise.
    pub fn from_locale(locale: &str) -> Self {
        if locale.to_ascii_lowercase().starts_with("zh") {
            Self::SimplifiedChinese
        } else {
            Self::English
        }
    }

    /// The system's language: `LC_ALL`, `LC_MESSAGES` or `LANG` on Unix, the UI language on
    /// Windows and macOS.
    pub fn of_system() -> Self {
        sys_locale::get_locale().map_or(Self::English, |locale| Self::from_locale(&locale))
    }
}

/// A string of `locales/*.toml` in a language: `tr!(lang, "app.tab.udp")`, with `%{name}`
/// placeholders filled as `tr!(lang, "display.new_while_paused", count = n)`. Imported from
/// here (`use crate::i18n::tr`), as any other item of the crate.
macro_rules! tr {
    ($language:expr, $key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        rust_i18n::t!($key, locale = $language.code() $(, $name = $value)*)
    };
}
pub(crate) use tr;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_locales_and_codes_name_a_language() {
        for locale in ["zh_CN.UTF-8", "zh-Hans-CN", "zh_TW.UTF-8", "ZH"] {
            assert_eq!(
                Language::from_locale(locale),
                Language::SimplifiedChinese,
                "{locale}"
            );
        }
        for locale in ["C.UTF-8", "C", "POSIX", "en_US.UTF-8", "de-DE", ""] {
            assert_eq!(Language::from_locale(locale), Language::English, "{locale}");
        }
        for language in Language::ALL {
            assert_eq!(Language::from_code(language.code()), Some(language));
        }
        assert_eq!(
            Language::from_code("zh_cn"),
            Some(Language::SimplifiedChinese)
        );
        assert_eq!(Language::from_code("fr"), None);
    }

    #[test]
    fn strings_come_in_the_language_asked_for() {
        assert_eq!(tr!(Language::English, "app.tab.tcp_server"), "TCP Server");
        assert_eq!(
            tr!(Language::SimplifiedChinese, "app.tab.tcp_server"),
            "TCP 服务器"
        );
        assert_eq!(
            tr!(
                Language::SimplifiedChinese,
                "display.new_while_paused",
                count = "3"
            ),
            "+3 条新数据"
        );
    }
}
