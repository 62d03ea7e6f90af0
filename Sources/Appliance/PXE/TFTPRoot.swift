#if canImport(Glibc)
import Glibc
#endif
import BlockIO

/// The folder dnsmasq serves over TFTP: copies of the first stages, kernel and initrd from
/// the boot folder, and a grub.cfg made for this seeder. dnsmasq sees only this folder, which
/// ezio fills itself, so no TFTP request can reach any other file.
public struct TFTPRoot: Sendable {
    /// The folder.
    public let path: String

    /// A root at `path` (made and filled by `fill`).
    public init(path: String) {
        self.path = path
    }

    /// The files each mode cannot boot without.
    static func required(secureBoot: Bool) -> [String] {
        [PXEConfiguration.biosFile, PXEConfiguration.uefiFile, "vmlinuz", "initrd.img"]
            + (secureBoot ? [PXEConfiguration.secureBootFile, "grubx64.efi"] : [])
    }

    /// Copies what clients load from `bootDirectory` and writes grub/grub.cfg. A missing file
    /// a client needs is an error naming it (and the script that makes it).
    public func fill(from bootDirectory: String, secureBoot: Bool, kernelCommandLine: String) throws(JobError) {
        let wanted = PXEConfiguration.firstStages + ["vmlinuz", "initrd.img"]
        let required = Set(Self.required(secureBoot: secureBoot))
        for name in required.sorted() where access("\(bootDirectory)/\(name)", R_OK) != 0 {
            throw JobError("\(bootDirectory)/\(name): missing (scripts/build-netboot writes it); PXE clients cannot boot without it")
        }
        try Folder.make(path + "/grub", purpose: "TFTP")
        for name in wanted where access("\(bootDirectory)/\(name)", R_OK) == 0 {
            do {
                try SmallFile.writeAtomically("\(path)/\(name)", try SmallFile.read("\(bootDirectory)/\(name)", limit: 512 << 20))
            } catch {
                throw JobError("cannot copy \(name) into the TFTP folder: \(error)")
            }
        }
        do {
            try SmallFile.writeAtomically("\(path)/grub/grub.cfg", Array(PXEConfiguration.grubConfig(kernelCommandLine: kernelCommandLine).utf8))
        } catch {
            throw JobError("cannot write the TFTP folder's grub.cfg: \(error)")
        }
    }
}
