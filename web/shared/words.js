// Words the console and the public page both show, in Bahasa Indonesia (the citizens' app keeps
// its own, in two languages, in web/citizen/js/i18n.js).

export const STATE_NAMES = {
  CASE_STATE_SUBMITTED: 'Diterima', CASE_STATE_ROUTED: 'Baru', CASE_STATE_IN_PROGRESS: 'Ditangani',
  CASE_STATE_WAITING_CITIZEN: 'Menunggu warga', CASE_STATE_RESOLVED: 'Selesai',
  CASE_STATE_CLOSED: 'Ditutup', CASE_STATE_REJECTED: 'Ditolak', CASE_STATE_MERGED: 'Digabung',
  CASE_STATE_REOPENED: 'Dibuka kembali', CASE_STATE_HANDED_OFF: 'Ke instansi mitra',
};
