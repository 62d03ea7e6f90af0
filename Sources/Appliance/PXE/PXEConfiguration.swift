/// What the seeder tells PXE clients, by firmware: the first stage a BIOS or UEFI PXE ROM
/// loads over TFTP, and the HTTP URL of boot.ipxe for clients that already run iPXE (which
/// also breaks the chain loop: iPXE asks DHCP again and must not be handed iPXE again).
public struct PXEConfiguration: Sendable, Equatable {
    /// Where BIOS PXE ROMs are sent (Debian's `ipxe`).
    public static let biosFile = "undionly.kpxe"
    /// Where x64 UEFI PXE firmware is sent without Secure Boot (iPXE on the firmware's SNP driver).
    public static let uefiFile = "snponly.efi"
    /// Where x64 UEFI firmware is sent with `--secure-boot`: Microsoft-signed shim, which loads
    /// `grubx64.efi` (Debian-signed) from the same folder, which reads `grub/grub.cfg`.
    public static let secureBootFile = "shimx64.efi"
    /// The first stages and what they load, as `scripts/build-netboot` writes them.
    public static let firstStages = ["undionly.kpxe", "snponly.efi", "ipxe.efi", "shimx64.efi", "grubx64.efi"]

    /// The seeder's address on the clients' network.
    public var address: String
    /// The HTTP URL of the iPXE script.
    public var ipxeURL: String
    /// UEFI clients get shim and grub (signed) instead of iPXE.
    public var secureBoot: Bool

    /// A configuration.
    public init(address: String, ipxeURL: String, secureBoot: Bool) {
        self.address = address
        self.ipxeURL = ipxeURL
        self.secureBoot = secureBoot
    }

    /// The TFTP file for x64 UEFI clients.
    public var uefiFile: String { secureBoot ? Self.secureBootFile : Self.uefiFile }

    /// dnsmasq's arguments for proxy DHCP (or TFTP alone) on `interface`, whose network is
    /// `network`/`netmask`: no DNS, no addresses handed out, no lease file, nothing read from
    /// /etc, TFTP rooted at `tftpRoot`, and every answer logged on standard error. dnsmasq
    /// replaces its pid file even in the foreground (given /dev/null it puts a regular file in
    /// its place): `pidFile` must be a path of ezio's own.
    public func dnsmasqArguments(interface: String, network: String, netmask: String, tftpRoot: String, proxyDHCP: Bool, pidFile: String) -> [String] {
        var arguments = [
            "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--log-facility=-", "--log-dhcp",
            "--port=0", "--interface=\(interface)", "--bind-interfaces", "--pid-file=\(pidFile)",
            // The TFTP root sits in ezio's state folder, which only root may enter.
            "--user=root", "--enable-tftp", "--tftp-root=\(tftpRoot)",
        ]
        guard proxyDHCP else { return arguments }
        // iPXE says so in option 175 (and its user class); everyone else is a PXE ROM.
        arguments += [
            "--dhcp-range=\(network),proxy,\(netmask)",
            "--dhcp-match=set:ipxe,175", "--dhcp-userclass=set:ipxe,iPXE",
        ]
        // x86-64 UEFI says 7, some firmware 9 (EFI BC); BIOS says 0 (x86PC).
        for csa in ["X86-64_EFI", "BC_EFI"] {
            arguments.append("--pxe-service=tag:!ipxe,\(csa),ezio,\(uefiFile)")
            arguments.append("--pxe-service=tag:ipxe,\(csa),ezio,\(ipxeURL)")
        }
        arguments.append("--pxe-service=tag:!ipxe,x86PC,ezio,\(Self.biosFile)")
        arguments.append("--pxe-service=tag:ipxe,x86PC,ezio,\(ipxeURL)")
        arguments.append("--dhcp-boot=tag:ipxe,\(ipxeURL)")
        return arguments
    }

    /// What an existing DHCP server must send, for BIOS, UEFI and Secure Boot clients, in ISC
    /// dhcpd's and dnsmasq's syntax. TFTP is this seeder's (`--pxe` or `--tftp`).
    public var dhcpInstructions: String {
        let sb = Self.secureBootFile
        return """
            ISC dhcpd:
              option client-arch code 93 = unsigned integer 16;
              next-server \(address);
              if exists user-class and option user-class = "iPXE" { filename "\(ipxeURL)"; }
              elsif option client-arch = 00:07 or option client-arch = 00:09 { filename "\(Self.uefiFile)"; }  # Secure Boot: "\(sb)"
              else { filename "\(Self.biosFile)"; }
            dnsmasq:
              dhcp-match=set:ipxe,175
              dhcp-match=set:efi64,option:client-arch,7
              dhcp-match=set:efi64,option:client-arch,9
              dhcp-boot=tag:ipxe,\(ipxeURL)
              dhcp-boot=tag:!ipxe,tag:efi64,\(Self.uefiFile),,\(address)  # Secure Boot: \(sb)
              dhcp-boot=tag:!ipxe,tag:!efi64,\(Self.biosFile),,\(address)
            TFTP: this seeder with --tftp (or --pxe, which also answers PXE itself as a proxy DHCP server)
            """
    }

    /// The grub.cfg that Debian's signed network grub reads over TFTP: the signed kernel and
    /// the initrd from the same TFTP server, with the clients' kernel command line.
    public static func grubConfig(kernelCommandLine: String) -> String {
        """
        set timeout=0
        echo "ezio: loading the signed kernel and the cloning environment over TFTP"
        linux /vmlinuz \(kernelCommandLine) console=tty0 console=ttyS0,115200
        initrd /initrd.img
        boot

        """
    }
}
