"""Indonesian titles and descriptions for demo reports, per category. {v} is the village, {d} the district."""

TITLES: dict[str, tuple[str, ...]] = {
    "jalan": ("Jalan berlubang di {v}", "Jembatan kayu rusak di {v}", "Jalan longsor menutup akses {v}",
              "Aspal mengelupas di jalan utama {v}"),
    "air_bersih": ("Air PDAM tidak mengalir di {v}", "Air keruh di {v}", "Pipa air bocor di {v}",
                   "Tandon air kampung {v} kosong"),
    "drainase": ("Got tersumbat di {v}", "Genangan air setelah hujan di {v}", "Saluran air meluap di {v}"),
    "kesehatan": ("Puskesmas {d} kehabisan obat", "Tidak ada petugas di pustu {v}", "Antrean layanan BPJS lama",
                  "Posyandu {v} tidak berjalan"),
    "gawat_darurat": ("Butuh ambulans di {v}", "Warga {v} butuh rujukan segera", "Ibu melahirkan butuh bantuan di {v}"),
    "pendidikan": ("Guru tidak hadir di SD {v}", "Atap sekolah bocor di {v}", "Buku pelajaran belum dibagikan di {v}",
                   "Sekolah {v} kekurangan guru"),
    "sampah": ("Sampah menumpuk di {v}", "Truk sampah tidak datang ke {v}", "Pembuangan sampah liar di {v}"),
    "adminduk": ("KTP-el belum jadi", "Akta kelahiran anak belum terbit", "Perubahan KK belum diproses",
                 "Blanko KTP-el habis di {d}"),
    "ketertiban": ("Keributan malam hari di {v}", "Pedagang menutup trotoar di {v}",
                   "Minuman keras dijual bebas di {v}"),
    "banjir": ("Banjir merendam rumah warga di {v}", "Air sungai naik di {v}", "Warga {v} mengungsi karena banjir"),
    "kebakaran": ("Kebakaran rumah di {v}", "Kebakaran lahan dekat {v}"),
    "penerangan": ("Lampu jalan mati di {v}", "Tiang lampu roboh di {v}"),
    "transportasi": ("Angkutan ke {v} tidak beroperasi", "Speedboat ke {v} terlalu mahal", "Parkir liar di {v}"),
    "bansos": ("Bantuan sosial belum diterima warga {v}", "Data penerima bansos {v} tidak tepat"),
    "dana_kampung": ("Penggunaan dana kampung {v} tidak jelas", "Dana kampung {v} terlambat cair"),
    "perumahan": ("Rumah tidak layak huni di {v}", "Bantuan rumah di {v} belum selesai"),
    "perlindungan_anak": ("Dugaan kekerasan anak di {v}", "Pendampingan korban KDRT di {v}"),
    "telekomunikasi": ("Sinyal hilang di {v}", "Internet kampung {v} mati"),
    "ketenagakerjaan": ("Upah pekerja belum dibayar", "Informasi lowongan kerja untuk warga {v}"),
    "harga_pasar": ("Harga beras naik di pasar {d}", "Minyak tanah langka di {v}", "Timbangan pedagang tidak sesuai"),
    "pertanian": ("Bibit untuk petani {v} belum datang", "Hama menyerang kebun warga {v}"),
    "perikanan": ("Bantuan perahu nelayan {v} belum diterima", "BBM nelayan langka di {v}"),
}

DESCRIPTION = ("Mohon ditindaklanjuti. Masalah ini sudah {n} hari dirasakan warga {v}, Distrik {d}. "
               "Kami berharap ada tanggapan dari dinas terkait.")

NOTES = {
    "diverifikasi": "Laporan diverifikasi oleh admin Mimika Center",
    "didisposisikan": "Didisposisikan ke OPD terkait",
    "diproses": "Petugas OPD menindaklanjuti di lapangan",
    "ditunda": "Menunggu anggaran / material",
    "selesai": "Tindak lanjut selesai, pelapor diberi tahu",
    "ditutup": "Laporan ditutup",
    "ditolak": "Laporan tidak dapat ditindaklanjuti (bukan kewenangan / data tidak lengkap)",
    "diarsipkan": "Laporan ganda, diarsipkan",
}
