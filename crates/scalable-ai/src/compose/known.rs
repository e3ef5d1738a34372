//! What heuristic mode knows about common models without looking at their
//! code: the words that name them, where their configuration lives and, for
//! Demeter, how a workflow calls it. Resources come from the planner's model
//! profiles (`scalable-plan/data/profiles.json`), not from here.

/// How a workflow calls a model's Python entry point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// The module to import: `demeter`.
    pub module: String,
    /// The function in it: `run_model`.
    pub function: String,
    /// The keyword the configuration file goes in: `config_file`.
    pub config_keyword: Option<String>,
    /// Further keyword arguments, as Python: `write_outputs=True`.
    pub extra: String,
    /// Keys of the returned dict worth keeping (paths and numbers only).
    pub returns: &'static [&'static str],
    /// Where the call came from (`built-in knowledge`, `capabilities/x/setup.py`).
    pub source: String,
}

/// An INI configuration a prepare step can clone and edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IniConfig {
    /// Section and key of the scenario name.
    pub scenario: (&'static str, &'static str),
    /// Section and key of the output folder.
    pub output_dir: (&'static str, &'static str),
    /// Section and key of the folder relative input paths resolve against.
    pub root_dir: (&'static str, &'static str),
}

/// A model heuristic mode recognises by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Known {
    /// The component name: `demeter`.
    pub key: &'static str,
    /// As people write it: `Demeter`.
    pub display: &'static str,
    /// Further words that name it.
    pub aliases: &'static [&'static str],
    /// The tag its helper components share (`lulcc`).
    pub domain: &'static str,
    /// A published image, when one is known.
    pub image: Option<&'static str>,
    /// The Python package to install, when it is one.
    pub package: Option<&'static str>,
    /// `(module, function, config keyword, extra keywords, returned keys)`.
    pub call: Option<(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static [&'static str],
    )>,
    /// Whether one run reads one configuration file (so a fan-out needs one
    /// file per value, made by a prepare step).
    pub reads_config: bool,
    /// The configuration's format, when a prepare step can edit it.
    pub ini: Option<IniConfig>,
    /// The base configuration a prepare step starts from.
    pub base_config: &'static str,
    /// The scenarios run when the description names none.
    pub scenarios: &'static [&'static str],
}

/// The built-in models, in the order the issue and the tutorial name them.
pub const KNOWN: &[Known] = &[
    Known {
        key: "gcam",
        display: "GCAM",
        aliases: &["gcam-core"],
        domain: "gcam",
        image: None,
        package: None,
        call: None,
        reads_config: true,
        ini: None,
        base_config: "./gcam_data/configuration.xml",
        scenarios: &["ssp1", "ssp2", "ssp3", "ssp4", "ssp5"],
    },
    Known {
        key: "demeter",
        display: "Demeter",
        aliases: &[],
        domain: "lulcc",
        image: Some("ghcr.io/jgcri/demeter:2.0.1"),
        package: Some("demeter"),
        call: Some((
            "demeter",
            "run_model",
            "config_file",
            "write_outputs=True",
            &["scenario", "output_dir", "summary_path", "cells"],
        )),
        reads_config: true,
        ini: Some(IniConfig {
            scenario: ("PARAMS", "scenario"),
            output_dir: ("OUTPUTS", "output_dir"),
            root_dir: ("STRUCTURE", "root_dir"),
        }),
        base_config: "./demeter_data/example/config_gcam_reference/config.ini",
        scenarios: &["reference", "ssp1", "ssp2", "ssp5"],
    },
    Known {
        key: "stitches",
        display: "STITCHES",
        aliases: &[],
        domain: "climate",
        image: None,
        package: None,
        call: None,
        reads_config: false,
        ini: None,
        base_config: "./stitches_data/recipe.csv",
        scenarios: &["ssp126", "ssp245", "ssp370", "ssp585"],
    },
    Known {
        key: "tethys",
        display: "Tethys",
        aliases: &[],
        domain: "water",
        image: None,
        package: None,
        call: None,
        reads_config: true,
        ini: None,
        base_config: "./tethys_data/config.yml",
        scenarios: &["ssp1", "ssp2", "ssp3", "ssp4", "ssp5"],
    },
    Known {
        key: "xanthos",
        display: "Xanthos",
        aliases: &[],
        domain: "water",
        image: None,
        package: None,
        call: None,
        reads_config: true,
        ini: None,
        base_config: "./xanthos_data/config.ini",
        scenarios: &["ssp1", "ssp2", "ssp3", "ssp4", "ssp5"],
    },
    Known {
        key: "hector",
        display: "Hector",
        aliases: &["pyhector"],
        domain: "climate",
        image: None,
        package: None,
        call: None,
        reads_config: true,
        ini: None,
        base_config: "./hector_data/hector_ssp245.ini",
        scenarios: &["ssp119", "ssp126", "ssp245", "ssp370", "ssp585"],
    },
];

/// The built-in model `key` names, if any.
pub fn get(key: &str) -> Option<&'static Known> {
    KNOWN.iter().find(|k| k.key == key)
}

impl Known {
    /// The call this knowledge describes.
    pub fn to_call(&self) -> Option<Call> {
        self.call
            .map(|(module, function, keyword, extra, returns)| Call {
                module: module.to_string(),
                function: function.to_string(),
                config_keyword: Some(keyword.to_string()),
                extra: extra.to_string(),
                returns,
                source: "built-in knowledge".to_string(),
            })
    }
}
