// Photos are made small on the phone before they cost the citizen's data: longest side about
// 1600 px, JPEG. A 4000x3000 photo of 4 MB becomes about 300 KB.

const LONGEST_SIDE = 1600;
const QUALITY = 0.8;

export async function shrink(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new Error('unreadable');
  }
  const scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
  const width = Math.round(bitmap.width * scale);
  const height = Math.round(bitmap.height * scale);
  // Already small and a JPEG: sending it as it is costs less than encoding it again.
  if (scale === 1 && file.type === 'image/jpeg' && file.size < 600 * 1024) {
    bitmap.close();
    return file;
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d').drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('unreadable'))),
      'image/jpeg', QUALITY);
  });
}
