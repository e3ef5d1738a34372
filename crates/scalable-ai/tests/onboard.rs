//! `init-component` on fixture repositories: the Demeter-2.0.1-shaped one
//! (every detected fact, the text snapshot, determinism, validation), an R
//! package, a GridLAB-D-like compiled model, a pyproject-only package, an
//! empty folder, a package's inner folder, and repositories with unreadable,
//! binary, non-UTF-8 and looping files.

use std::fs;
use std::path::{Path, PathBuf};

use scalable_ai::onboard::{self, Lang, Onboarding, Options, component, render};
use scalable_manifest::{Env, load_str};

fn fixture(name: &str) -> PathBuf {
    Path::new("tests/fixtures/onboard").join(name)
}

fn analyze(path: &Path, name: &str) -> Onboarding {
    onboard::analyze(&Options::new(path, name)).expect("the fixture can be analysed")
}

/// A copy of fixture `name` in a temp dir, as `<tmp>/<name>`.
fn copy_of(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let dest = tmp.path().join(name);
    copy_dir(&fixture(name), &dest);
    (tmp, dest)
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn names(o: &Onboarding) -> Vec<&str> {
    o.dependencies
        .items
        .iter()
        .map(|d| d.name.as_str())
        .collect()
}

fn said_by<'a>(o: &'a Onboarding, file: &str) -> Vec<&'a str> {
    o.evidence
        .iter()
        .filter(|e| e.file == file)
        .map(|e| e.says.as_str())
        .collect()
}

const DEMETER_DEPS: [&str; 9] = [
    "configobj",
    "numpy",
    "pandas",
    "scipy",
    "requests",
    "gcamreader",
    "xarray",
    "netcdf4",
    "matplotlib",
];

#[test]
fn demeter_facts() {
    let o = analyze(&fixture("demeter"), "demeter");
    assert_eq!(o.mode, "heuristic");
    assert_eq!(o.language.name, Lang::Python);
    assert_eq!(o.language.display, "Python (3.9+)");
    assert_eq!(names(&o), DEMETER_DEPS);
    assert_eq!(o.dependencies.source.as_deref(), Some("requirements.txt"));
    assert_eq!(o.dependencies.items[0].specifier, ">=5.0.6");
    let entry = o.entry_point.as_ref().unwrap();
    assert_eq!(entry.call, "demeter.run_model(config_file=...)");
    assert_eq!(entry.config_keyword.as_deref(), Some("config_file"));
    assert_eq!(entry.file, "demeter/model.py");
    let container = o.container.as_ref().unwrap();
    assert_eq!(container.kind, "Dockerfile");
    assert_eq!(
        container.base_image.as_deref(),
        Some("rappdw/docker-java-python:openjdk1.8.0_171-python3.6.6")
    );
    assert_eq!(container.python.as_deref(), Some("3.6"));
    let warning = container.warning.as_deref().unwrap();
    assert!(
        warning.contains("Python 3.6, older than the package's floor 3.9"),
        "{warning}"
    );
    assert!(warning.contains("--write-dockerfile"), "{warning}");
    assert!(o.recommendations.iter().any(|r| r == warning));
    assert_eq!(o.image.reference, "ghcr.io/jgcri/demeter:2.0.1");
    assert_eq!(o.package.version.as_deref(), Some("2.0.1"));
    assert_eq!((o.resources.cpus, o.resources.memory.as_str()), (4, "16G"));
    assert_eq!(o.resources.profile.as_deref(), Some("demeter"));
    assert_eq!(o.component.tags, ["lulcc", "downscaling", "gcam"]);
    assert_eq!(
        o.component.mounts,
        [("./demeter_data".to_string(), "/data".to_string())]
    );
    assert_eq!(
        o.component.env,
        [("DEMETER_DATA".to_string(), "/data".to_string())]
    );
    assert_eq!(o.task.name, "run_demeter_scenario");
    assert!(o.notes.is_empty(), "{:?}", o.notes);
    // Which file said what: the docs Makefile, make.bat and the R wrapper are
    // seen and discounted; the version comes from the version module.
    assert_eq!(said_by(&o, "demeter/_version.py"), ["version 2.0.1"]);
    assert!(said_by(&o, "setup.py")[0].contains("python_requires `>=3.9`"));
    assert!(said_by(&o, "Makefile")[0].contains("documentation only"));
    assert!(said_by(&o, "make.bat")[0].contains("documentation only"));
    assert!(said_by(&o, "R_interface/DESCRIPTION")[0].contains("in a subfolder"));
    // Test data is sized (CSV, pickle, zip), never read.
    let data = said_by(&o, "(data files)");
    assert!(
        data[0].contains("3 files under `demeter/tests/data`"),
        "{data:?}"
    );
}

#[test]
fn demeter_text() {
    let o = analyze(&fixture("demeter"), "demeter");
    insta::assert_snapshot!(render::text(&o));
}

#[test]
fn json_has_every_field_and_reads_back() {
    let o = analyze(&fixture("demeter"), "demeter");
    let json: serde_json::Value = serde_json::from_str(&render::json(&o)).unwrap();
    assert_eq!(json["mode"], "heuristic");
    assert_eq!(json["language"]["name"], "python");
    assert_eq!(json["language"]["floor"], "3.9");
    assert_eq!(json["dependencies"]["items"][8]["name"], "matplotlib");
    assert_eq!(json["dependencies"]["items"][8]["specifier"], ">=3.3.3");
    assert_eq!(json["entry_point"]["config_keyword"], "config_file");
    assert_eq!(json["image"]["reference"], "ghcr.io/jgcri/demeter:2.0.1");
    assert_eq!(json["resources"]["walltime"], "00:30:00");
    assert_eq!(json["text"], render::text(&o));
    let mut back = json.clone();
    back.as_object_mut().unwrap().remove("text");
    let back: Onboarding = serde_json::from_value(back).unwrap();
    assert_eq!(back, o);
}

#[test]
fn deterministic_wherever_the_repository_is() {
    let a = analyze(&fixture("demeter"), "demeter");
    let b = analyze(&fixture("demeter"), "demeter");
    assert_eq!(render::json(&a), render::json(&b));
    let (_tmp, copy) = copy_of("demeter");
    let c = analyze(&copy, "demeter");
    assert_eq!(c.component_yaml, a.component_yaml);
    assert_eq!(c.task_yaml, a.task_yaml);
    assert_eq!(c.evidence, a.evidence);
    assert_eq!(c.recommendations, a.recommendations);
}

/// The generated file, merged into a manifest with a project and a target,
/// validates with no error and no warning, for every fixture.
#[test]
fn generated_yaml_validates_in_a_manifest() {
    for (dir, name) in [
        ("demeter", "demeter"),
        ("r-package", "landsim"),
        ("gridlabd", "gridlabd"),
        ("pyproject-only", "stitches"),
    ] {
        let o = analyze(&fixture(dir), name);
        let file = component::file_text(&o.component, &o.task, &o.provenance);
        let manifest = format!(
            "version: 1\nproject:\n  name: onboarding\ntargets:\n  hpc:\n    provider: slurm\n    container_runtime: apptainer\n  local:\n    provider: local\n{file}"
        );
        let doc = load_str(
            &manifest,
            "scalable.yaml",
            Path::new("/project"),
            Env::default(),
        )
        .unwrap_or_else(|d| panic!("{dir}: {}", d.message));
        let report = doc.validate(None);
        let problems: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| format!("{} {}: {}", d.code.as_str(), d.path, d.message))
            .collect();
        assert!(problems.is_empty(), "{dir}: {problems:?}\n{manifest}");
        let m = report.manifest.expect("a valid manifest");
        let c = &m.components[name];
        assert_eq!(c.memory.text, o.resources.memory);
        assert_eq!(m.tasks[&o.task.name].component, name);
        assert!(component::validation_errors(&file).is_empty());
    }
}

#[test]
fn r_package() {
    let o = analyze(&fixture("r-package"), "landsim");
    assert_eq!(o.language.name, Lang::R);
    assert_eq!(o.language.display, "R (via rpy2)");
    assert_eq!(o.language.floor.as_deref(), Some("4.0.0"));
    assert_eq!(names(&o), ["dplyr", "sf", "jsonlite"]);
    assert_eq!(o.dependencies.source.as_deref(), Some("DESCRIPTION"));
    let entry = o.entry_point.unwrap();
    assert_eq!(entry.call, "landsim::run_landsim(config_file = ...)");
    assert_eq!(entry.file, "R/run.R");
    assert_eq!(o.image.reference, "ghcr.io/example-org/landsim:0.3.1");
    assert!(o.container.is_none());
    assert_eq!((o.resources.cpus, o.resources.memory.as_str()), (1, "4G"));
}

#[test]
fn compiled_model() {
    let o = analyze(&fixture("gridlabd"), "gridlabd");
    assert_eq!(o.language.name, Lang::Compiled);
    assert_eq!(o.language.display, "compiled (C++)");
    assert_eq!(names(&o), ["xerces-c", "cppunit"]);
    assert_eq!(
        o.dependencies.source.as_deref(),
        Some("Makefile, Makefile.am, configure.ac")
    );
    assert_eq!(o.entry_point.unwrap().call, "gridlabd (program)");
    assert_eq!(o.image.reference, "ghcr.io/gridlab-d/gridlab-d:4.3");
    assert_eq!(o.component.tags, ["compiled"]);
}

#[test]
fn pyproject_only_package() {
    let o = analyze(&fixture("pyproject-only"), "stitches");
    assert_eq!(o.language.display, "Python (3.10+)");
    assert_eq!(names(&o), ["pandas", "xarray", "netcdf4"]);
    assert_eq!(o.dependencies.source.as_deref(), Some("pyproject.toml"));
    assert_eq!(
        o.entry_point.unwrap().call,
        "stitches (console script → stitches.cli:main)"
    );
    // The Repository URL wins over the Homepage for the registry path.
    assert_eq!(o.image.reference, "ghcr.io/jgcri/stitches:0.13.0");
    assert_eq!(o.resources.profile.as_deref(), Some("stitches"));
    assert!(
        o.recommendations
            .iter()
            .any(|r| r.contains("--write-dockerfile"))
    );
}

#[test]
fn empty_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let o = analyze(tmp.path(), "empty");
    assert_eq!(o.language.name, Lang::Unknown);
    assert_eq!(
        o.language.reason.as_deref(),
        Some("the folder holds no files (after `.gitignore`)")
    );
    assert!(o.dependencies.items.is_empty());
    assert!(o.entry_point.is_none());
    assert_eq!(o.image.reference, "empty:dev");
    assert!(
        component::validation_errors(&component::file_text(&o.component, &o.task, "t")).is_empty()
    );
}

#[test]
fn inner_package_folder_suggests_the_parent() {
    let o = analyze(&fixture("demeter").join("demeter"), "demeter");
    assert_eq!(o.language.name, Lang::Unknown);
    assert!(
        o.language
            .reason
            .as_deref()
            .unwrap()
            .contains("the parent folder has `setup.py`")
    );
    assert_eq!(
        o.language.suggested_path.as_deref(),
        Some("tests/fixtures/onboard/demeter")
    );
    assert!(
        o.recommendations[0]
            .contains("`scalable init-component tests/fixtures/onboard/demeter --name demeter`")
    );
    assert_eq!(
        onboard::detect_language(&fixture("demeter").join("demeter"))
            .unwrap()
            .name,
        Lang::Unknown
    );
}

#[test]
fn markers_only_in_subfolders_say_unknown_and_where() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(
        &fixture("demeter").join("R_interface"),
        &tmp.path().join("R_interface"),
    );
    fs::write(tmp.path().join("README.md"), "# wrapper\n").unwrap();
    let o = analyze(tmp.path(), "wrapper");
    assert_eq!(o.language.name, Lang::Unknown);
    assert!(
        o.language
            .reason
            .as_deref()
            .unwrap()
            .contains("`R_interface/DESCRIPTION` is in a subfolder")
    );
    assert!(
        o.language
            .suggested_path
            .as_deref()
            .unwrap()
            .ends_with("/R_interface")
    );
}

#[test]
fn gitignored_and_large_files() {
    let (_tmp, repo) = copy_of("pyproject-only");
    fs::write(repo.join(".gitignore"), "scratch/\n").unwrap();
    fs::create_dir(repo.join("scratch")).unwrap();
    // Ignored: would otherwise be 3 MB of input data and an R marker.
    fs::write(repo.join("scratch/big.csv"), vec![b'x'; 3 << 20]).unwrap();
    fs::write(repo.join("scratch/DESCRIPTION"), "Package: nope\n").unwrap();
    fs::create_dir(repo.join("data")).unwrap();
    fs::write(repo.join("data/inputs.nc"), vec![0u8; 2 << 20]).unwrap();
    let o = analyze(&repo, "stitches");
    assert!(o.evidence.iter().all(|e| !e.file.starts_with("scratch")));
    assert_eq!(
        said_by(&o, "(data files)"),
        ["input data: 2 MB in 1 files under `data` (sized, not read)"]
    );
    assert!(o.notes.is_empty(), "{:?}", o.notes);
    // A 2 MB "setup.py" is not read as packaging.
    fs::write(repo.join("setup.py"), vec![b'#'; 2 << 20]).unwrap();
    let o = analyze(&repo, "stitches");
    assert_eq!(
        o.notes,
        ["`setup.py` is 2097152 bytes, too large to be a packaging file; not read"]
    );
    assert_eq!(o.language.display, "Python (3.10+)");
}

#[test]
fn data_dir_is_sized_and_scales_the_estimate() {
    let data = tempfile::tempdir().unwrap();
    fs::write(data.path().join("a.bin"), vec![0u8; 1 << 20]).unwrap();
    let options = Options {
        data_dir: Some(data.path().to_path_buf()),
        ..Options::new(fixture("demeter"), "demeter")
    };
    let o = onboard::analyze(&options).unwrap();
    assert_eq!(o.resources.input_size_mb, 1.0);
    let missing = Options {
        data_dir: Some(data.path().join("missing")),
        ..Options::new(fixture("demeter"), "demeter")
    };
    let e = onboard::analyze(&missing).unwrap_err();
    assert_eq!(e.code(), "E_ONBOARD_DATA_DIR");
    assert!(e.to_string().contains("it does not exist"), "{e}");
}

/// Odd files become notes; the analysis goes on with what it can read.
#[test]
fn odd_files_are_notes_not_failures() {
    let (_tmp, repo) = copy_of("demeter");
    // Binary data in a file named like text: requirements.txt is skipped and
    // the dependencies come from install_requires instead (the same nine).
    fs::write(repo.join("requirements.txt"), b"numpy\0\x01\x02pandas\n").unwrap();
    // Non-UTF-8 text: read with replacement characters.
    let mut setup = fs::read(repo.join("setup.py")).unwrap();
    setup.extend_from_slice(b"# author: Jos\xe9\n");
    fs::write(repo.join("setup.py"), setup).unwrap();
    // A symlink loop, a broken symlink, and a link back to the root.
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink("loop_b", repo.join("loop_a")).unwrap();
        symlink("loop_a", repo.join("loop_b")).unwrap();
        symlink("missing.cfg", repo.join("setup.cfg")).unwrap();
        symlink("..", repo.join("demeter/up")).unwrap();
    }
    let o = analyze(&repo, "demeter");
    assert_eq!(names(&o), DEMETER_DEPS);
    assert_eq!(o.dependencies.source.as_deref(), Some("setup.py"));
    assert_eq!(o.language.display, "Python (3.9+)");
    let mut expected = vec![
        "`requirements.txt` holds binary data though its name says text; skipped".to_string(),
        "`setup.py` is not valid UTF-8; read with replacement characters".to_string(),
    ];
    if cfg!(unix) {
        expected.extend([
            "`demeter/up` is a symlink to a folder; not followed (its files are not considered)"
                .to_string(),
            "`loop_a` is a symlink loop; skipped".to_string(),
            "`loop_b` is a symlink loop; skipped".to_string(),
            "`setup.cfg` is a broken symlink (No such file or directory); skipped".to_string(),
        ]);
    }
    let mut notes = o.notes.clone();
    notes.sort();
    expected.sort();
    assert_eq!(notes, expected);
}

/// chmod 000 blocks reads for everyone but root. Run as root (as in some CI
/// containers), the file stays readable and the test checks that instead,
/// saying so, rather than passing on a premise that does not hold.
#[cfg(unix)]
#[test]
fn unreadable_file() {
    use std::os::unix::fs::PermissionsExt;
    let (_tmp, repo) = copy_of("demeter");
    let file = repo.join("requirements.txt");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o000)).unwrap();
    let readable_anyway = fs::read(&file).is_ok();
    let o = analyze(&repo, "demeter");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(names(&o), DEMETER_DEPS);
    if readable_anyway {
        eprintln!(
            "unreadable_file: running as root, chmod 000 does not block reads; checked that the file was read normally"
        );
        assert!(o.notes.is_empty(), "{:?}", o.notes);
        assert_eq!(o.dependencies.source.as_deref(), Some("requirements.txt"));
    } else {
        assert_eq!(
            o.notes,
            ["cannot read `requirements.txt`: Permission denied; skipped"]
        );
        assert_eq!(o.dependencies.source.as_deref(), Some("setup.py"));
    }
    // A folder where a file is expected is unreadable as a file for root too:
    // it is a folder to the walk, so nothing tries to read it.
    fs::remove_file(&file).unwrap();
    fs::create_dir(&file).unwrap();
    let o = analyze(&repo, "demeter");
    assert!(o.notes.is_empty(), "{:?}", o.notes);
    assert_eq!(o.dependencies.source.as_deref(), Some("setup.py"));
}

/// A throwaway package `pkg` whose `__init__` exports `run_model` from
/// `core.py` holding `source`.
fn package_with(source: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    fs::write(
        root.join("setup.py"),
        "from setuptools import setup\nsetup(name='pkg', version='1.0', url='https://github.com/o/pkg')\n",
    )
    .unwrap();
    fs::create_dir(root.join("pkg")).unwrap();
    fs::write(
        root.join("pkg/__init__.py"),
        "from .core import run_model\n",
    )
    .unwrap();
    fs::write(root.join("pkg/core.py"), source).unwrap();
    tmp
}

#[test]
fn config_keyword_from_signature_kwargs_or_docstring() {
    for (source, expected) in [
        (
            "def run_model(config_path, verbose=False):\n    pass\n",
            "pkg.run_model(config_path=...)",
        ),
        (
            "def run_model(**kwargs):\n    cfg = kwargs.get('settings_file')\n",
            "pkg.run_model(settings_file=...)",
        ),
        (
            "def run_model(**kw):\n    if 'config_file' in kw:\n        pass\n",
            "pkg.run_model(config_file=...)",
        ),
        (
            "def run_model(**kwargs):\n    \"\"\"Run.\n\n    :param config_file: the INI file\n    \"\"\"\n",
            "pkg.run_model(config_file=...)",
        ),
        (
            "def run_model(**kwargs):\n    \"\"\"Reads its settings from config_ini.\"\"\"\n",
            "pkg.run_model(config_ini=...)",
        ),
        ("def run_model(**kwargs):\n    pass\n", "pkg.run_model(...)"),
        // Syntax errors elsewhere in the file do not hide the function.
        (
            "def run_model(config_file):\n    pass\n\ndef broken(:\n",
            "pkg.run_model(config_file=...)",
        ),
    ] {
        let tmp = package_with(source);
        let o = analyze(tmp.path(), "pkg");
        assert_eq!(o.entry_point.unwrap().call, expected, "{source}");
    }
}

#[test]
fn estimate_resources_of_the_tutorial() {
    let e = onboard::estimate_resources("demeter", 512.0, 50);
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        serde_json::json!({"cpus": 4, "memory": "16G", "walltime": "02:30:00"})
    );
}

#[test]
fn write_refuses_to_overwrite_without_force() {
    let (_tmp, repo) = copy_of("demeter");
    let options = Options {
        write: true,
        ..Options::new(&repo, "demeter")
    };
    let o = onboard::run(&options).unwrap();
    let target = repo.join(onboard::COMPONENT_FILE);
    assert_eq!(
        o.written_to.as_deref(),
        Some(target.display().to_string().as_str())
    );
    let written = fs::read_to_string(&target).unwrap();
    assert!(written.contains(&o.component_yaml) && written.contains(&o.task_yaml));
    fs::write(&target, "mine\n").unwrap();
    let e = onboard::run(&options).unwrap_err();
    assert_eq!(e.code(), "E_ONBOARD_EXISTS");
    assert_eq!(fs::read_to_string(&target).unwrap(), "mine\n");
    onboard::run(&Options {
        force: true,
        ..options.clone()
    })
    .unwrap();
    assert_eq!(fs::read_to_string(&target).unwrap(), written);
    // No temp files left behind.
    let leftovers: Vec<_> = fs::read_dir(&repo)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".scalable-tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn write_dockerfile_only_for_python() {
    let (_tmp, repo) = copy_of("demeter");
    let options = Options {
        write: true,
        write_dockerfile: true,
        ..Options::new(&repo, "demeter")
    };
    let o = onboard::run(&options).unwrap();
    let dockerfile = fs::read_to_string(repo.join("Dockerfile.scalable")).unwrap();
    assert!(
        dockerfile.contains("\nFROM python:3.11-slim\n"),
        "{dockerfile}"
    );
    assert!(dockerfile.contains("RUN pip install --no-cache-dir -r requirements.txt\n"));
    assert!(dockerfile.contains("ENV DEMETER_DATA=/data\n"));
    let c = o.container.unwrap();
    assert_eq!(
        (c.kind.as_str(), c.base_image.as_deref()),
        ("Dockerfile.scalable", Some("python:3.11-slim"))
    );
    assert!(c.warning.is_none());
    assert!(o.recommendations.is_empty(), "{:?}", o.recommendations);
    let (_tmp, r) = copy_of("r-package");
    let e = onboard::run(&Options {
        write_dockerfile: true,
        ..Options::new(&r, "landsim")
    })
    .unwrap_err();
    assert_eq!(e.code(), "E_ONBOARD_DOCKERFILE");
    assert!(!r.join("Dockerfile.scalable").exists());
}

#[test]
fn bad_paths_and_names() {
    let e = onboard::analyze(&Options::new("tests/fixtures/onboard/nope", "x")).unwrap_err();
    assert_eq!(e.code(), "E_ONBOARD_PATH");
    assert_eq!(
        e.to_string(),
        "cannot analyze `tests/fixtures/onboard/nope`: no such folder"
    );
    let e = onboard::analyze(&Options::new(fixture("demeter").join("setup.py"), "x")).unwrap_err();
    assert!(e.to_string().contains("it is a file"), "{e}");
    for bad in ["", "9lives", "has space", "a/b"] {
        let e = onboard::analyze(&Options::new(fixture("demeter"), bad)).unwrap_err();
        assert_eq!(e.code(), "E_ONBOARD_NAME", "{bad}");
    }
}

/// docs/assistants.md documents every marker file and every model profile.
#[test]
fn rules_are_documented() {
    let docs = fs::read_to_string("../../docs/assistants.md").unwrap();
    for marker in onboard::language::MARKERS {
        assert!(
            docs.contains(&format!("`{}`", marker.file)),
            "{}",
            marker.file
        );
    }
    for model in scalable_plan::profiles::models() {
        assert!(docs.to_lowercase().contains(model), "{model}");
    }
    for code in [
        "E_ONBOARD_PATH",
        "E_ONBOARD_DATA_DIR",
        "E_ONBOARD_NAME",
        "E_ONBOARD_EXISTS",
        "E_ONBOARD_WRITE",
        "E_ONBOARD_DOCKERFILE",
    ] {
        assert!(docs.contains(code), "{code}");
    }
}

/// Writes `files` (path, contents) under a fresh temp dir.
fn repo_of(files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = tmp.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    tmp
}

#[test]
fn other_packaging_shapes() {
    // setup.cfg only, version from `attr:`, a `__main__` module, an
    // Apptainer definition on a new enough Python.
    let tmp = repo_of(&[
        (
            "setup.cfg",
            "[metadata]\nname = xanthos\nversion = attr: xanthos._version.__version__\nurl = https://github.com/JGCRI/xanthos\n\n[options]\npython_requires = >=3.8\ninstall_requires =\n    numpy>=1.19  # arrays\n    pandas\n",
        ),
        ("xanthos/__init__.py", "\"\"\"Hydrology.\"\"\"\n"),
        ("xanthos/_version.py", "__version__ = '2.4.1'\n"),
        ("xanthos/__main__.py", "print('run')\n"),
        (
            "xanthos.def",
            "Bootstrap: docker\nFrom: python:3.10-slim\n\n%post\n    pip install .\n",
        ),
    ]);
    let o = analyze(tmp.path(), "xanthos");
    assert_eq!(o.language.display, "Python (3.8+)");
    assert_eq!(names(&o), ["numpy", "pandas"]);
    assert_eq!(o.dependencies.items[0].specifier, ">=1.19");
    assert_eq!(o.dependencies.source.as_deref(), Some("setup.cfg"));
    assert_eq!(o.entry_point.unwrap().call, "python -m xanthos");
    assert_eq!(o.image.reference, "ghcr.io/jgcri/xanthos:2.4.1");
    let c = o.container.unwrap();
    assert_eq!(
        (c.kind.as_str(), c.python.as_deref()),
        ("Apptainer definition", Some("3.10"))
    );
    assert!(c.warning.is_none());
    assert_eq!(o.resources.profile.as_deref(), Some("xanthos"));

    // A conda environment is the last source of dependencies and floor.
    let tmp = repo_of(&[
        (
            "pyproject.toml",
            "[project]\nname = \"tethys\"\nversion = \"2.0\"\n",
        ),
        (
            "environment.yml",
            "dependencies:\n  - python=3.11\n  - gdal\n  - pip:\n      - gcamreader\n",
        ),
    ]);
    let o = analyze(tmp.path(), "tethys");
    assert_eq!(o.language.display, "Python (3.11+)");
    assert_eq!(names(&o), ["gdal", "gcamreader"]);
    assert_eq!(o.dependencies.source.as_deref(), Some("environment.yml"));

    // Julia and CMake.
    let tmp = repo_of(&[(
        "Project.toml",
        "name = \"Mimi\"\nversion = \"1.5.0\"\n\n[deps]\nDataFrames = \"a93c6f00\"\nJSON = \"682c06a0\"\n",
    )]);
    let o = analyze(tmp.path(), "mimi");
    assert_eq!(o.language.display, "Julia");
    assert_eq!(names(&o), ["DataFrames", "JSON"]);
    assert_eq!(o.entry_point.unwrap().call, "using Mimi");
    let tmp = repo_of(&[
        (
            "CMakeLists.txt",
            "project(hydro VERSION 0.9)\nfind_package(NetCDF REQUIRED)\nadd_executable(hydro src/main.f90)\n",
        ),
        ("src/main.f90", "program hydro\nend program hydro\n"),
    ]);
    let o = analyze(tmp.path(), "hydro");
    assert_eq!(o.language.display, "compiled (Fortran)");
    assert_eq!(names(&o), ["NetCDF"]);
    assert_eq!(o.entry_point.unwrap().call, "hydro (program)");

    // A Makefile without sources, a tools-only pyproject.toml: unknown,
    // with the reason.
    let tmp = repo_of(&[
        ("Makefile", "all:\n\tpython run.py\n"),
        ("pyproject.toml", "[tool.ruff]\nline-length = 88\n"),
        ("run.py", "print(1)\n"),
    ]);
    let o = analyze(tmp.path(), "scripts");
    assert_eq!(o.language.name, Lang::Unknown);
    assert_eq!(
        o.language.reason.as_deref(),
        Some(
            "source files (1 Python) but no packaging or build files (setup.py, pyproject.toml, setup.cfg, DESCRIPTION, Project.toml, CMakeLists.txt, Makefile)"
        )
    );
    assert!(said_by(&o, "Makefile")[0].contains("no C/C++/Fortran sources"));
    assert!(said_by(&o, "pyproject.toml")[0].contains("tool settings only"));
}
