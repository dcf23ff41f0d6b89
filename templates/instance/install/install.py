#!/usr/bin/env python3
"""Install phase: everything that downloads, as small idempotent steps.

Each step first checks whether its result is already there (a pre-baked image, an
earlier boot, a retried install) and does nothing then, so an image build can run this
same script and a boot on that image skips straight to configure. Every download is
retried with backoff, verified (published SHA-256, or the package's own integrity
check) and chosen by architecture from artifacts.json. One failing kernel is recorded
and reported; it does not stop the hub or the other kernels.

`ARW_ARTIFACT_MIRROR` (or `artifactMirror` in the environment description) serves
every https download from a mirror laid out as https://HOST/PATH -> MIRROR/HOST/PATH,
for institutions whose hubs may not reach the internet.
"""
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from common.arw import (  # noqa: E402
    CONDA,
    HUB_ENV,
    LIB,
    KERNEL_PREFIX,
    STATE_DIR,
    SYSTEM_PATH,
    StepFailed,
    log,
    run_phase,
    read_json,
    retry,
    run,
    write_json,
)

HERE = os.path.dirname(os.path.abspath(__file__))
ARTIFACTS = os.path.join(HERE, "artifacts.json")
DOWNLOADS = os.path.join(STATE_DIR, "downloads")
JULIA_DEPOT = "/opt/julia/depot"
JULIA_ENVIRONMENTS = "/opt/julia/environments"
# Holds only the aws_research_wizard package (a link into LIB): on every Python kernel's
# PYTHONPATH, it must not shadow anything a user imports (LIB's common/, install/...).
KERNEL_PACKAGE_DIR = "/usr/local/lib/aws-research-wizard/python"
# IPython reads {sys.prefix}/etc/ipython/ipython_kernel_config.py for every kernel of
# an environment, before each user's own profile: the extension loads for everyone.
COST_EXTENSION_MARKER = "# aws-research-wizard: cost of every cell"
COST_EXTENSION_CONFIG = COST_EXTENSION_MARKER + """ (cost.tracking in the domain pack)
c.InteractiveShellApp.extensions.append("aws_research_wizard")
"""
APT_PACKAGES = ["nfs-common", "xfsprogs", "fuse3", "iptables", "ca-certificates"]
EFS_APT_PACKAGES = ["stunnel4", "git", "binutils"]


def machine_arch(machine=None):
    """The stack's architecture name for this machine (uname says aarch64 on arm64)."""
    value = (machine or platform.machine()).lower()
    mapping = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}
    if value not in mapping:
        raise StepFailed("install", f"unsupported machine architecture {value!r}")
    return mapping[value]


def artifact_url(entry, arch, key="url", mirror=None):
    url = entry[key].format(version=entry.get("version", ""), arch=entry.get("arch", {}).get(arch, arch))
    if mirror:
        url = mirror.rstrip("/") + "/" + url.split("://", 1)[1]
    return url


class PermanentDownloadError(Exception):
    """An answer that asking again will not change (403, 404): fail at once."""


# Network trouble, throttling, server errors and a checksum mismatch (a truncated transfer) are retried.
TRANSIENT = (urllib.error.URLError, OSError, ValueError, TimeoutError)


def open_url(url, timeout):
    try:
        return urllib.request.urlopen(url, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code in (408, 429) or error.code >= 500:
            raise
        raise PermanentDownloadError(f"{url}: HTTP {error.code} {error.reason}") from error


def download(url, destination, sha256=None, attempts=6, timeout=60, sleep=None):
    """Downloads to a temporary name and renames it into place once verified."""
    os.makedirs(os.path.dirname(destination), exist_ok=True)

    def fetch():
        tmp = destination + ".part"
        digest = hashlib.sha256()
        with open_url(url, timeout) as response, open(tmp, "wb") as out:
            while True:
                chunk = response.read(1 << 20)
                if not chunk:
                    break
                digest.update(chunk)
                out.write(chunk)
        if sha256 and digest.hexdigest() != sha256.lower():
            os.unlink(tmp)
            raise ValueError(f"checksum mismatch for {url}: expected {sha256}, got {digest.hexdigest()}")
        os.replace(tmp, destination)
        return destination

    kwargs = {"sleep": sleep} if sleep else {}
    return retry(f"download {url}", fetch, attempts=attempts, retry_on=TRANSIENT, **kwargs)




def fetch_text(url, attempts=6, timeout=30, sleep=None):
    def get():
        with open_url(url, timeout) as response:
            return response.read(65536).decode("utf-8", "replace")

    kwargs = {"sleep": sleep} if sleep else {}
    return retry(f"download {url}", get, attempts=attempts, retry_on=TRANSIENT, **kwargs)


def missing_apt_packages(packages):
    missing = []
    for package in packages:
        status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True, check=False).stdout
        if "install ok installed" not in status:
            missing.append(package)
    return missing


def apt_install(packages):
    missing = missing_apt_packages(packages)
    if not missing:
        return "present"
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    retry("apt-get update", lambda: run(["apt-get", "update", "-q"], env=env, timeout=900), attempts=5)
    retry("apt-get install", lambda: run(["apt-get", "install", "-y", "-q", *missing], env=env, timeout=1800), attempts=5)
    return "installed " + " ".join(missing)


def install_deb(entry, arch, mirror, name):
    url = artifact_url(entry, arch, mirror=mirror)
    path = download(url, os.path.join(DOWNLOADS, f"{name}-{arch}.deb"))
    # dpkg verifies the archive's own integrity; a truncated or non-deb file fails here.
    run(["dpkg-deb", "--info", path], what=f"verify {name} package")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    retry(f"install {name}", lambda: run(["apt-get", "install", "-y", "-q", path], env=env, timeout=1800), attempts=3)
    return url


def install_miniforge(artifacts, arch, mirror):
    if os.path.exists(os.path.join(CONDA, "bin", "mamba")):
        return "present"
    entry = artifacts["miniforge"]
    expected = fetch_text(artifact_url(entry, arch, "sha256Url", mirror)).split()[0]
    installer = download(artifact_url(entry, arch, mirror=mirror), os.path.join(DOWNLOADS, "miniforge.sh"), sha256=expected)
    run(["bash", installer, "-b", "-u", "-p", CONDA], what="Miniforge installer", timeout=1800)
    return "installed"


def install_hub_env(artifacts):
    if os.path.exists(os.path.join(HUB_ENV, "bin", "jupyterhub")):
        return "present"
    spec = {"channels": ["conda-forge", "nodefaults"], "dependencies": artifacts["hub"]}
    create_env(HUB_ENV, spec)
    return "installed"


def create_env(prefix, spec):
    """Creates a conda environment from an environment file: package names and channels
    travel as data in a file, never as command-line options."""
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False, encoding="utf-8") as handle:
        json.dump(spec, handle)  # JSON is YAML
        path = handle.name
    try:
        retry(
            f"conda environment {prefix}",
            lambda: run([os.path.join(CONDA, "bin", "mamba"), "env", "create", "--yes", "--quiet", "-p", prefix, "-f", path], timeout=5400),
            attempts=3,
        )
    finally:
        os.unlink(path)


def kernel_environment(kernel):
    """The conda environment file of one kernel: one coherent channel list, no defaults."""
    language = kernel["language"]
    version = kernel.get("version")
    base = {
        "python": [f"python={version}" if version else "python", "ipykernel"],
        "r": [f"r-base={version}" if version else "r-base", "r-irkernel"],
        "julia": [f"julia={version}" if version else "julia"],
    }[language]
    packages = list(kernel.get("packages") or []) if language != "julia" else []
    channels = list(kernel.get("channels") or ["conda-forge"])
    return {"channels": channels + ["nodefaults"], "dependencies": base + packages}


def env_prefix(kernel):
    return os.path.join(CONDA, "envs", kernel["name"])


def kernel_path(kernel):
    """PATH inside the kernel: its own environment first, so the pack's tools are found."""
    return os.path.join(env_prefix(kernel), "bin") + ":" + SYSTEM_PATH


def registration(kernel):
    """The command (argument list) and environment that register a kernelspec.

    Values from the pack (name, display name, Julia packages) travel as arguments or
    environment variables, read as data by fixed code: never spliced into source.
    """
    prefix = env_prefix(kernel)
    env = {"PATH": kernel_path(kernel) + ":" + os.path.join(HUB_ENV, "bin"), "ARW_KERNEL_NAME": kernel["name"], "ARW_KERNEL_DISPLAY_NAME": kernel["display_name"]}
    language = kernel["language"]
    if language == "python":
        argv = [os.path.join(prefix, "bin", "python"), "-m", "ipykernel", "install", "--prefix", KERNEL_PREFIX, "--name", kernel["name"], "--display-name", kernel["display_name"]]
    elif language == "r":
        code = 'IRkernel::installspec(name = Sys.getenv("ARW_KERNEL_NAME"), displayname = Sys.getenv("ARW_KERNEL_DISPLAY_NAME"), prefix = Sys.getenv("ARW_KERNEL_PREFIX"))'
        argv = [os.path.join(prefix, "bin", "Rscript"), "-e", code]
        env["ARW_KERNEL_PREFIX"] = KERNEL_PREFIX
    elif language == "julia":
        argv = [os.path.join(prefix, "bin", "julia"), "--startup-file=no", os.path.join(HERE, "julia_kernel.jl")]
        env.update(
            {
                "JULIA_DEPOT_PATH": JULIA_DEPOT,
                "JULIA_PROJECT": os.path.join(JULIA_ENVIRONMENTS, kernel["name"]),
                "JUPYTER_DATA_DIR": os.path.join(KERNEL_PREFIX, "share", "jupyter"),
                # One package name a line: julia_kernel.jl splits them, nothing is parsed as code.
                "ARW_JULIA_PACKAGES_LINES": "\n".join(kernel.get("packages") or []),
                "ARW_JULIA_DEPOT": JULIA_DEPOT,
            }
        )
    else:
        raise StepFailed("kernels", f"unsupported kernel language {language!r}")
    return argv, env


def env_ready(kernel):
    interpreter = {"python": "python", "r": "Rscript", "julia": "julia"}[kernel["language"]]
    return os.path.exists(os.path.join(env_prefix(kernel), "bin", interpreter))


def set_kernel_path(kernel, kernel_prefix=KERNEL_PREFIX):
    """Kernels start with their environment's bin first on PATH (samtools, bwa, ...);
    Python kernels also find the aws_research_wizard package."""
    spec_file = os.path.join(kernel_prefix, "share", "jupyter", "kernels", kernel["name"], "kernel.json")
    spec = read_json(spec_file, None)
    if spec is None:
        raise RuntimeError(f"no kernelspec was written at {spec_file}")
    spec.setdefault("env", {})["PATH"] = kernel_path(kernel)
    if kernel["language"] == "python":
        spec["env"]["PYTHONPATH"] = KERNEL_PACKAGE_DIR
    write_json(spec_file, spec)


def link_kernel_package(lib=LIB, package_dir=KERNEL_PACKAGE_DIR):
    """A link, not a copy: a new version of the instance files reaches kernels at once."""
    os.makedirs(package_dir, exist_ok=True)
    link = os.path.join(package_dir, "aws_research_wizard")
    source = os.path.join(lib, "aws_research_wizard")
    if os.path.islink(link) and os.readlink(link) == source:
        return "present"
    tmp = link + ".tmp"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(source, tmp)
    os.replace(tmp, link)
    return "linked"


def set_cost_extension(prefix, enabled):
    """Loads the cost extension in every kernel of an environment, or stops loading it.
    A file someone else wrote there is left alone."""
    path = os.path.join(prefix, "etc", "ipython", "ipython_kernel_config.py")
    try:
        with open(path, encoding="utf-8") as handle:
            ours = handle.read().startswith(COST_EXTENSION_MARKER)
    except FileNotFoundError:
        ours = True
    if not ours:
        log(f"{path} was not written by aws-research-wizard: cost extension not set there")
        return "foreign"
    if not enabled:
        if os.path.exists(path):
            os.unlink(path)
        return "off"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(COST_EXTENSION_CONFIG)
    os.replace(path + ".tmp", path)
    return "on"


def install_kernel(kernel, cost_tracking=False):
    if not env_ready(kernel):
        if not os.path.exists(os.path.join(CONDA, "bin", "mamba")):
            raise RuntimeError("conda is not available to create its environment")
        create_env(env_prefix(kernel), kernel_environment(kernel))
    argv, env = registration(kernel)
    run(argv, what=f"register kernel {kernel['name']}", env=env, timeout=3600)
    set_kernel_path(kernel)
    if kernel["language"] == "python":
        set_cost_extension(env_prefix(kernel), cost_tracking)


def install_kernels(config, progress):
    kernels = config.get("kernels", [])
    results = {}
    try:
        link_kernel_package()
    except OSError as error:  # kernels still work; only cell costs are missing
        log(f"could not link the aws_research_wizard package for kernels: {error}")
    for index, kernel in enumerate(kernels, start=1):
        progress.report("kernels", f"installing kernels {index}/{len(kernels)} ({kernel['name']})")
        try:
            install_kernel(kernel, cost_tracking=bool(config.get("costTracking")))
            results[kernel["name"]] = "ok"
        except Exception as error:  # noqa: BLE001 - one kernel never takes down the others
            results[kernel["name"]] = f"failed: {str(error)[:300]}"
            log(f"kernel {kernel['name']} failed: {error}")
        write_json(os.path.join(STATE_DIR, "kernels.json"), results)
        progress.kernels = results
    if kernels and not any(state == "ok" for state in results.values()):
        raise StepFailed("kernels", "no kernel could be installed: " + "; ".join(f"{k}: {v}" for k, v in results.items()))
    return results


def install_efs_utils(artifacts, mirror):
    if shutil.which("mount.efs"):
        return "present"
    apt_install(EFS_APT_PACKAGES)
    entry = artifacts["efsUtils"]
    repository = entry["repository"]
    if mirror:
        repository = mirror.rstrip("/") + "/" + repository.split("://", 1)[1]
    work = tempfile.mkdtemp(prefix="efs-utils-")
    try:
        retry("clone efs-utils", lambda: run(["git", "clone", "--depth", "1", "--branch", entry["version"], repository, work + "/src"], timeout=600), attempts=5)
        # The 1.x line packages Python and stunnel configuration: no compiler at boot.
        subprocess.run(["./build-deb.sh"], cwd=work + "/src", check=True, capture_output=True, timeout=600)
        debs = [os.path.join(work, "src", "build", f) for f in os.listdir(os.path.join(work, "src", "build")) if f.endswith(".deb")]
        run(["apt-get", "install", "-y", "-q", *debs], env={"DEBIAN_FRONTEND": "noninteractive"}, timeout=900)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return "installed"


def install(config, progress):
    artifacts = read_json(ARTIFACTS, None)
    mirror = os.environ.get("ARW_ARTIFACT_MIRROR") or config.get("artifactMirror") or None
    arch = machine_arch()

    progress.step("packages", "installing system packages", lambda: apt_install(APT_PACKAGES))
    if config.get("sharedFileSystemId"):
        progress.step("efs-utils", "installing the EFS mount helper", lambda: install_efs_utils(artifacts, mirror))
    # Data mounts and monitoring matter, but a hub without them still serves notebooks:
    # their failure is reported (status, readiness detail) rather than fatal.
    optional = {}
    if config.get("dataMounts") and not os.path.exists("/usr/bin/mount-s3"):
        optional["mountpoint"] = lambda: install_deb(artifacts["mountpoint"], arch, mirror, "mount-s3")
    if not os.path.exists("/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl"):
        optional["cloudwatch-agent"] = lambda: install_deb(artifacts["cloudwatchAgent"], arch, mirror, "amazon-cloudwatch-agent")
    problems = {}
    for name, action in optional.items():
        try:
            progress.step(name, f"installing {name}", action)
        except StepFailed as error:
            problems[name] = f"failed: {error.message[:300]}"
            log(f"{name} failed: {error.message}")
    write_json(os.path.join(STATE_DIR, "components.json"), problems)
    hub_present = os.path.exists(os.path.join(HUB_ENV, "bin", "jupyterhub"))
    if not hub_present or not all(env_ready(k) for k in config.get("kernels", [])):
        try:
            progress.step("conda", "installing Miniforge", lambda: install_miniforge(artifacts, arch, mirror))
        except StepFailed as error:
            # Without conda no new environment can be made: fatal for the hub, reported per kernel.
            if not hub_present:
                raise
            problems["conda"] = f"failed: {error.message[:300]}"
            write_json(os.path.join(STATE_DIR, "components.json"), problems)
    progress.step("hub", "installing JupyterHub", lambda: install_hub_env(artifacts))
    install_kernels(config, progress)
    progress.report("installed", "install phase complete")


def main():
    run_phase("install", install)


if __name__ == "__main__":
    main()
