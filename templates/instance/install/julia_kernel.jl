# Registers a Julia kernel for every hub user. Fixed code: the kernel's name, display
# name and packages arrive in environment variables and are used as data (no string
# is ever evaluated or interpolated as Julia source).
#
# Packages go to a shared depot (JULIA_DEPOT_PATH) and a per-kernel project
# (JULIA_PROJECT), both readable by everyone. The kernel starts with the user's own
# depot first (an empty entry in JULIA_DEPOT_PATH means the default ~/.julia) and the
# shared one after it, and with the shared project on its load path, so `import IJulia`
# and the pack's packages work for every account while users can still add their own.
using Pkg

name = ENV["ARW_KERNEL_NAME"]
display_name = ENV["ARW_KERNEL_DISPLAY_NAME"]
shared_depot = ENV["ARW_JULIA_DEPOT"]
project = ENV["JULIA_PROJECT"]
packages = String[p for p in split(get(ENV, "ARW_JULIA_PACKAGES_LINES", ""), '\n') if !isempty(p)]

# "Name", "Name.jl" or "Name@1.2": split here into a PackageSpec, never parsed as code.
function package_spec(entry)
    parts = split(entry, '@'; limit = 2)
    name = replace(String(parts[1]), r"\.jl$" => "")
    length(parts) == 2 ? Pkg.PackageSpec(name = name, version = String(parts[2])) : Pkg.PackageSpec(name = name)
end

Pkg.add(vcat([Pkg.PackageSpec(name = "IJulia")], map(package_spec, packages)))
Pkg.precompile()

using IJulia
installkernel(
    display_name;
    specname = name,
    env = Dict(
        "JULIA_DEPOT_PATH" => ":" * shared_depot,
        "JULIA_LOAD_PATH" => "@:@v#.#:@stdlib:" * project,
    ),
)
